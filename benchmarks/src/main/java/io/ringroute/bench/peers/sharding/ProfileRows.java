package io.ringroute.bench.peers.sharding;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The session workload's statements, the same text for every system: an upsert of a key's version and a
 * primary-key lookup that also says whether the server that answered is a standby ({@code pg_is_in_recovery()}).
 */
final class ProfileRows {

    private ProfileRows() {
    }

    static String createTable(String table) {
        return "CREATE TABLE " + table + " (k text PRIMARY KEY, v bigint NOT NULL)";
    }

    static int put(Connection c, String table, String key, long value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (k, v) VALUES (?, ?)"
                + " ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v")) {
            ps.setString(1, key);
            ps.setLong(2, value);
            return ps.executeUpdate();
        }
    }

    static SessionStore.Read get(Connection c, String table, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT v, pg_is_in_recovery() FROM " + table
                + " WHERE k = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new SessionStore.Read(null, false);
                }
                return new SessionStore.Read(rs.getLong(1), rs.getBoolean(2));
            }
        }
    }
}
