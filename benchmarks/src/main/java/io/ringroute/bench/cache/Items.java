package io.ringroute.bench.cache;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The chaos run's database side: one row per cache key, {@code items(key, value, version, deleted)}. Every change
 * raises the row's version by one under its row lock, so the versions of a key follow commit order and can version
 * the cache entries. One autocommit connection, one thread.
 */
final class Items implements AutoCloseable {

    /** A row as loaded. */
    record Row(String value, long version, boolean deleted) {
    }

    private final Connection connection;
    private final PreparedStatement update;
    private final PreparedStatement delete;
    private final PreparedStatement load;

    Items(Connection connection) throws SQLException {
        this.connection = connection;
        connection.setAutoCommit(true);
        update = connection.prepareStatement("UPDATE items SET value = ?, deleted = false, version = version + 1"
                + " WHERE key = ? RETURNING version");
        delete = connection.prepareStatement("UPDATE items SET deleted = true, version = version + 1"
                + " WHERE key = ? RETURNING version");
        load = connection.prepareStatement("SELECT value, version, deleted FROM items WHERE key = ?");
    }

    /** Creates the table with {@code keys} rows {@code k0 ..} at version 0. */
    static void create(Connection c, int keys) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE items (key TEXT PRIMARY KEY, value TEXT, version BIGINT NOT NULL,"
                    + " deleted BOOLEAN NOT NULL)");
            st.execute("INSERT INTO items SELECT 'k' || i, 'initial', 0, false FROM generate_series(0, " + (keys - 1)
                    + ") i");
        }
    }

    /** Commits a new value and returns its version. */
    long update(String key, String value) throws SQLException {
        update.setString(1, value);
        update.setString(2, key);
        return version(update);
    }

    /** Commits the key's deletion and returns its version. */
    long delete(String key) throws SQLException {
        delete.setString(1, key);
        return version(delete);
    }

    Row load(String key) throws SQLException {
        load.setString(1, key);
        try (ResultSet rs = load.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("no row for key " + key);
            }
            return new Row(rs.getString(1), rs.getLong(2), rs.getBoolean(3));
        }
    }

    private static long version(PreparedStatement st) throws SQLException {
        try (ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("no row updated");
            }
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
