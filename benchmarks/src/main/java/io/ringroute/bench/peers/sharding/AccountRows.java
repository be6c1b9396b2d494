package io.ringroute.bench.peers.sharding;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.postgresql.PGConnection;

/** The resharding comparison's table (a key, a version, an 80-byte payload) and its statements. */
final class AccountRows {

    static final String PAYLOAD = "x".repeat(80);

    private AccountRows() {
    }

    static String createTable(String table) {
        return "CREATE TABLE " + table + " (k text PRIMARY KEY, v bigint NOT NULL, payload text)";
    }

    static int write(Connection c, String table, String key, long value, boolean insert) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(insert ? "INSERT INTO " + table + " (v, k) VALUES (?, ?)"
                : "UPDATE " + table + " SET v = ? WHERE k = ?")) {
            ps.setLong(1, value);
            ps.setString(2, key);
            return ps.executeUpdate();
        }
    }

    /** Loads tab-separated rows with COPY (loading is not what is measured). */
    static void copyIn(Connection c, String copySql, CharSequence rows) throws SQLException {
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql,
                    new ByteArrayInputStream(rows.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new SQLException("COPY failed: " + e.getMessage(), e);
        }
    }
}
