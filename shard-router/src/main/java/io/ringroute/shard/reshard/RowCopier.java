package io.ringroute.shard.reshard;

import io.ringroute.shard.catalog.ShardedTable;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Moves one sharded table's rows between two shard primaries with COPY, by token: a token's rows always travel
 * together, so a batch boundary never splits a key. Each write is one transaction opened by the
 * {@link Resharder#INVALIDATION_MARKER} message.
 */
final class RowCopier {

    private static final String MARK = "SELECT pg_logical_emit_message(true, '" + Resharder.INVALIDATION_MARKER
            + "', '')";

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

    /** Copies the rows with tokens in {@code tokens}; returns how many. Atomic on the target. */
    long copy(Connection source, Connection target, Segments tokens) throws SQLException {
        return marked(target, st -> transfer(source, target, tokens.condition(table.tokenColumn())));
    }

    /** Replaces, on the target, every row of these tokens with the source's current rows (none if deleted). */
    long replace(Connection source, Connection target, long[] tokens) throws SQLException {
        String list = toArrayLiteral(tokens);
        // The marker and the delete in one round trip: a cutover's drain runs this while writers wait at the gate.
        return ShardConnections.inTransaction(target, st -> {
            st.execute(MARK + "; DELETE FROM " + table.name() + " WHERE " + table.tokenColumn() + " = ANY(" + list
                    + ")");
            return transfer(source, target, table.tokenColumn() + " = ANY(" + list + ")");
        });
    }

    /** All the table's rows on {@code c}. */
    long count(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table.name())) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The rows in each interval of {@code tokens}, in one statement. */
    long[] counts(Connection c, Segments tokens) throws SQLException {
        List<long[]> parts = tokens.parts();
        long[] out = new long[parts.size()];
        if (parts.isEmpty()) {
            return out;
        }
        Long[] lo = new Long[parts.size()];
        Long[] hi = new Long[parts.size()];
        for (int i = 0; i < lo.length; i++) {
            lo[i] = parts.get(i)[0];
            hi[i] = parts.get(i)[1];
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT (SELECT count(*) FROM " + table.name() + " WHERE "
                + table.tokenColumn() + " BETWEEN r.lo AND r.hi) FROM unnest(?::bigint[], ?::bigint[])"
                + " WITH ORDINALITY AS r(lo, hi, n) ORDER BY r.n")) {
            ps.setArray(1, c.createArrayOf("bigint", lo));
            ps.setArray(2, c.createArrayOf("bigint", hi));
            try (ResultSet rs = ps.executeQuery()) {
                for (int i = 0; rs.next(); i++) {
                    out[i] = rs.getLong(1);
                }
            }
        }
        return out;
    }

    /** Deletes at most {@code limit} rows with tokens in {@code tokens}; returns how many. */
    long delete(Connection c, Segments tokens, int limit) throws SQLException {
        return marked(c, st -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table.name() + " WHERE ctid = ANY(ARRAY("
                    + "SELECT ctid FROM " + table.name() + " WHERE " + tokens.condition(table.tokenColumn())
                    + " LIMIT ?))")) {
                ps.setInt(1, limit);
                return ps.executeUpdate();
            }
        });
    }

    /** Runs {@code write} on {@code c} as one transaction that starts with the marker; returns its row count. */
    private static long marked(Connection c, ShardConnections.Work write) throws SQLException {
        return ShardConnections.inTransaction(c, st -> {
            st.execute(MARK);
            return write.run(st);
        });
    }

    /**
     * Streams the source's rows into the target as they arrive (both servers work at once, nothing is buffered
     * whole); the target's COPY starts with the first row, so an empty result costs no second statement.
     */
    private long transfer(Connection source, Connection target, String where) throws SQLException {
        CopyManager in = target.unwrap(PGConnection.class).getCopyAPI();
        String copyIn = "COPY " + table.name() + " (" + columns + ") FROM STDIN";
        CopyIn[] sink = new CopyIn[1];
        OutputStream rows = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    if (sink[0] == null) {
                        sink[0] = in.copyIn(copyIn);
                    }
                    sink[0].writeToCopy(b, off, len);
                } catch (SQLException e) {
                    throw new IOException(e);
                }
            }
        };
        try {
            source.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + columns + " FROM "
                    + table.name() + " WHERE " + where + ") TO STDOUT", rows);
            return sink[0] == null ? 0 : sink[0].endCopy();
        } catch (SQLException | IOException e) {
            if (sink[0] != null && sink[0].isActive()) {
                try {
                    sink[0].cancelCopy();
                } catch (SQLException cancel) {
                    e.addSuppressed(cancel);
                }
            }
            Throwable cause = e instanceof IOException && e.getCause() instanceof SQLException ? e.getCause() : e;
            if (cause instanceof SQLException sql) {
                throw sql;      // the target's error, or the source's
            }
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
