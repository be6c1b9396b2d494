package io.ringroute.demo;

import io.ringroute.shard.DirectConnections;
import io.ringroute.shard.config.ServerSpec;
import io.ringroute.shard.config.ShardSpec;
import io.ringroute.shard.config.ShardTopology;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rows per table on each shard's primary, for the operations view. It connects to every shard it is given, members
 * of the ring or not, so a shard that is being resharded onto shows its rows arriving. One connection per shard,
 * kept open and reopened after a failure.
 */
final class ShardRowCounter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ShardRowCounter.class);
    private static final String COUNT = "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM posts),"
            + " (SELECT count(*) FROM following), (SELECT count(*) FROM likes)";

    private final Map<String, Connection> connections = new HashMap<>();

    /** Shard name to table to rows; a shard that cannot be reached is left out. */
    synchronized Map<String, Map<String, Long>> count(ShardTopology shards) {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (ShardSpec shard : shards.shards()) {
            try {
                out.put(shard.name(), count(connection(shard)));
            } catch (SQLException e) {
                Connection broken = connections.remove(shard.name());
                closeQuietly(broken);
                log.debug("cannot count the rows of {}: {}", shard.name(), e.getMessage());
            }
        }
        return out;
    }

    @Override
    public synchronized void close() {
        connections.values().forEach(ShardRowCounter::closeQuietly);
        connections.clear();
    }

    private Connection connection(ShardSpec shard) throws SQLException {
        Connection c = connections.get(shard.name());
        if (c == null) {
            ServerSpec primary = shard.primary();
            c = DirectConnections.open(primary, "ringroute-demo-row-counter");
            c.setReadOnly(true);
            connections.put(shard.name(), c);
        }
        return c;
    }

    private static Map<String, Long> count(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.setQueryTimeout(2);
            try (ResultSet rs = st.executeQuery(COUNT)) {
                rs.next();
                Map<String, Long> m = new LinkedHashMap<>();
                m.put("users", rs.getLong(1));
                m.put("posts", rs.getLong(2));
                m.put("following", rs.getLong(3));
                m.put("likes", rs.getLong(4));
                return m;
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // already broken
            }
        }
    }
}
