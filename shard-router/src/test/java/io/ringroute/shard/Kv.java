package io.ringroute.shard;

import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A key-value table on every shard, and the two statements the tests run on it. */
final class Kv {

    final String table;

    Kv(String table) {
        this.table = table;
    }

    /** Creates the table on every primary; the standbys get it by replication. */
    Kv create(EmbeddedShardCluster cluster) throws SQLException {
        for (EmbeddedShard s : cluster.shards()) {
            try (Connection c = s.primary().connect(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS " + table);
                st.execute("CREATE TABLE " + table + " (k text PRIMARY KEY, v bigint NOT NULL,"
                        + " tok bigint DEFAULT current_setting('ringroute.token', true)::bigint)");
            }
        }
        return this;
    }

    ShardWork<Integer> put(String key, long value) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (k, v) VALUES (?, ?)"
                    + " ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v")) {
                ps.setString(1, key);
                ps.setLong(2, value);
                return ps.executeUpdate();
            }
        };
    }

    /** The value, or -1 when the row is missing. */
    ShardWork<Long> get(String key) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT v FROM " + table + " WHERE k = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : -1L;
                }
            }
        };
    }
}
