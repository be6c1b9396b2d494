package io.ringroute.cache.invalidation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/** {@link PurgeList} in a PostgreSQL table; generations come from a sequence, so they grow across re-marks. */
final class PostgresPurgeList implements PurgeList {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final int MAX_REASON = 500;

    private final DataSource dataSource;
    private final String table;
    private final String sequence;

    private PostgresPurgeList(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        this.table = schema + ".cache_purge";
        this.sequence = schema + ".cache_purge_generation";
    }

    static PostgresPurgeList create(DataSource dataSource, String schema) {
        if (dataSource == null) {
            throw new IllegalArgumentException("dataSource must not be null");
        }
        if (schema == null || !IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema must be a lower-case SQL identifier (letters, digits, _),"
                    + " was " + (schema == null ? "null" : "'" + schema + "'"));
        }
        PostgresPurgeList list = new PostgresPurgeList(dataSource, schema);
        list.createTable(schema);
        return list;
    }

    private void createTable(String schema) {
        List<String> ddl = List.of("CREATE SCHEMA IF NOT EXISTS " + schema,
                "CREATE SEQUENCE IF NOT EXISTS " + sequence,
                "CREATE TABLE IF NOT EXISTS " + table + " (node TEXT PRIMARY KEY, generation BIGINT NOT NULL,"
                        + " marked_at TIMESTAMPTZ NOT NULL, reason TEXT NOT NULL)");
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
                for (String sql : ddl) {
                    st.execute(sql);
                }
                commitIfNeeded(c);
                return;
            } catch (SQLException e) {
                // Two processes creating it at once: one gets a unique violation on the catalog; the retry sees it.
                if (attempt == 2 || !"23505".equals(e.getSQLState())) {
                    throw new IllegalStateException("could not create the purge list " + table + ": "
                            + e.getMessage(), e);
                }
            }
        }
    }

    @Override
    public long mark(String node, String reason) {
        String why = reason == null ? "" : reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason;
        String sql = "INSERT INTO " + table + " VALUES (?, nextval('" + sequence + "'), now(), ?)"
                + " ON CONFLICT (node) DO UPDATE SET generation = EXCLUDED.generation,"
                + " marked_at = EXCLUDED.marked_at, reason = EXCLUDED.reason RETURNING generation";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, requireNode(node));
            ps.setString(2, why);
            long generation;
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                generation = rs.getLong(1);
            }
            commitIfNeeded(c);
            return generation;
        } catch (SQLException e) {
            throw new IllegalStateException("could not mark cache node '" + node + "' in " + table + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public List<PurgeMark> marks() {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT node, generation, marked_at, reason FROM " + table
                        + " ORDER BY node")) {
            List<PurgeMark> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new PurgeMark(rs.getString(1), rs.getLong(2), rs.getTimestamp(3).toInstant(),
                        rs.getString(4)));
            }
            commitIfNeeded(c);
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read " + table + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean unmark(String node, long generation) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM " + table
                        + " WHERE node = ? AND generation = ?")) {
            ps.setString(1, requireNode(node));
            ps.setLong(2, generation);
            boolean removed = ps.executeUpdate() == 1;
            commitIfNeeded(c);
            return removed;
        } catch (SQLException e) {
            throw new IllegalStateException("could not unmark cache node '" + node + "' in " + table + ": "
                    + e.getMessage(), e);
        }
    }

    private static String requireNode(String node) {
        if (node == null || node.isEmpty()) {
            throw new IllegalArgumentException("node id must not be empty, was " + node);
        }
        return node;
    }

    /** Leaves a pooled connection as found: commits only when the pool hands out non-autocommit connections. */
    private static void commitIfNeeded(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    @Override
    public String toString() {
        return "PurgeList{" + table + "}";
    }
}
