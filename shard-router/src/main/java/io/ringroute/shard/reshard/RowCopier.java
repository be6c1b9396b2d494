package io.ringroute.shard.reshard;

import io.ringroute.shard.ShardedTable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * Moves one sharded table's rows between two shard primaries with COPY, by token: a token's rows always travel
 * together, so a batch boundary never splits a key.
 */
final class RowCopier {

    private final ShardedTable table;
    private final String columns;

    private RowCopier(ShardedTable table, String columns) {
        this.table = table;
        this.columns = columns;
    }

    /** Reads the table's insertable columns on {@code source}. */
    static RowCopier of(ShardedTable table, Connection source) throws SQLException {
        List<String> cols = new ArrayList<>();
        try (PreparedStatement ps = source.prepareStatement("SELECT column_name FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ? AND is_generated = 'NEVER'"
                + " ORDER BY ordinal_position")) {
            ps.setString(1, table.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    cols.add('"' + rs.getString(1).replace("\"", "\"\"") + '"');
                }
            }
        }
        return new RowCopier(table, cols.stream().collect(Collectors.joining(", ")));
    }

    ShardedTable table() {
        return table;
    }

    /** The last token of the next batch of about {@code batch} rows from {@code cursor}, or {@code hi}. */
    long batchEnd(Connection source, long cursor, long hi, int batch) throws SQLException {
        try (PreparedStatement ps = source.prepareStatement("SELECT " + table.tokenColumn() + " FROM " + table.name()
                + " WHERE " + table.tokenColumn() + " BETWEEN ? AND ? ORDER BY " + table.tokenColumn()
                + " OFFSET ? LIMIT 1")) {
            ps.setLong(1, cursor);
            ps.setLong(2, hi);
            ps.setInt(3, batch - 1);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : hi;
            }
        }
    }

    /** Copies the rows with tokens in {@code [lo, hi]}; returns how many. Atomic on the target. */
    long copy(Connection source, Connection target, long lo, long hi) throws SQLException {
        return transfer(source, target, table.tokenColumn() + " BETWEEN " + lo + " AND " + hi);
    }

    /** Replaces, on the target, every row of these tokens with the source's current rows (none if deleted). */
    long replace(Connection source, Connection target, long[] tokens) throws SQLException {
        String list = toArrayLiteral(tokens);
        target.setAutoCommit(false);
        try (Statement st = target.createStatement()) {
            st.executeUpdate("DELETE FROM " + table.name() + " WHERE " + table.tokenColumn() + " = ANY(" + list + ")");
            long n = transfer(source, target, table.tokenColumn() + " = ANY(" + list + ")");
            target.commit();
            return n;
        } catch (SQLException e) {
            target.rollback();
            throw e;
        } finally {
            target.setAutoCommit(true);
        }
    }

    long count(Connection c, long lo, long hi) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table.name() + " WHERE "
                + table.tokenColumn() + " BETWEEN ? AND ?")) {
            ps.setLong(1, lo);
            ps.setLong(2, hi);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Deletes the rows with tokens in {@code [lo, hi]} in batches; returns how many. */
    long delete(Connection c, long lo, long hi, int batch) throws SQLException {
        long total = 0;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table.name() + " WHERE ctid = ANY(ARRAY("
                + "SELECT ctid FROM " + table.name() + " WHERE " + table.tokenColumn() + " BETWEEN ? AND ? LIMIT ?))")) {
            ps.setLong(1, lo);
            ps.setLong(2, hi);
            ps.setInt(3, batch);
            int n;
            do {
                n = ps.executeUpdate();
                total += n;
            } while (n > 0);
        }
        return total;
    }

    private long transfer(Connection source, Connection target, String where) throws SQLException {
        ByteArrayOutputStream rows = new ByteArrayOutputStream();
        try {
            source.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + columns + " FROM "
                    + table.name() + " WHERE " + where + ") TO STDOUT", rows);
            return target.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + table.name() + " (" + columns
                    + ") FROM STDIN", new ByteArrayInputStream(rows.toByteArray()));
        } catch (IOException e) {
            throw new SQLException("copying " + table.name() + " rows failed: " + e.getMessage(), e);
        }
    }

    private static String toArrayLiteral(long[] tokens) {
        StringBuilder b = new StringBuilder("'{");
        for (int i = 0; i < tokens.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(tokens[i]);
        }
        return b.append("}'::bigint[]").toString();
    }
}
