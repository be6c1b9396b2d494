package io.ringroute.shard.reshard;

import io.ringroute.shard.DirectConnections;
import io.ringroute.shard.config.ServerSpec;
import io.ringroute.shard.config.ShardSpec;
import io.ringroute.shard.config.ShardTopology;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direct connection per shard primary for a plan or a run, opened on first use (exempt from change capture)
 * and registered with the resharder, so that closing the resharder aborts a run as a crash would.
 */
final class ShardConnections implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShardConnections.class);
    static final String APPLICATION_NAME = "ringroute-resharder";

    private final ShardTopology servers;
    private final Set<Connection> registry;
    private final BooleanSupplier closed;
    private final Map<String, Connection> byShard = new HashMap<>();

    /**
     * @param registry every connection the resharder holds open, closed by {@link Resharder#close()}
     * @param closed   whether the resharder was closed: a connection opened after that is closed at once
     */
    ShardConnections(ShardTopology servers, Set<Connection> registry, BooleanSupplier closed) {
        this.servers = servers;
        this.registry = registry;
        this.closed = closed;
    }

    /** The shard primary's connection; fails naming the shard when it is not configured or unreachable. */
    Connection get(String shard) throws SQLException {
        Connection c = byShard.get(shard);
        if (c == null) {
            ShardSpec spec = servers.shard(shard).orElseThrow(() -> new IllegalArgumentException("shard '" + shard
                    + "' is in the catalog but not in this configuration (defined: " + servers.shardNames() + ")"));
            ServerSpec p = spec.primary();
            try {
                c = DirectConnections.open(p, APPLICATION_NAME);
            } catch (SQLException e) {
                throw new SQLException("shard '" + shard + "' primary " + p.redactedUrl() + " is unreachable: "
                        + e.getMessage(), e.getSQLState(), e);
            }
            registry.add(c);
            if (closed.getAsBoolean()) {
                closeQuietly(registry, c);
                throw new SQLException("the resharder was closed");
            }
            byShard.put(shard, c);
            ChangeCapture.exempt(c);
        }
        return c;
    }

    /** Names the first shard whose connection broke and its primary, or "" when none did. */
    String brokenShard() {
        for (Map.Entry<String, Connection> s : byShard.entrySet()) {
            if (isBroken(s.getValue())) {
                return "the connection to shard '" + s.getKey() + "' primary " + servers.shard(s.getKey())
                        .map(sh -> sh.primary().redactedUrl()).orElse("?") + " failed: ";
            }
        }
        return "";
    }

    private static boolean isBroken(Connection c) {
        try {
            return c.isClosed() || !c.isValid(1);
        } catch (SQLException e) {
            return true;
        }
    }

    @Override
    public void close() {
        byShard.values().forEach(c -> closeQuietly(registry, c));
    }

    /** Work on one connection that returns a row count. */
    @FunctionalInterface
    interface Work {
        long run(Statement st) throws SQLException;
    }

    /** Runs {@code work} as one transaction on {@code c}, leaving it in autocommit as the resharder keeps it. */
    static long inTransaction(Connection c, Work work) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            long n = work.run(st);
            c.commit();
            return n;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    static void closeQuietly(Set<Connection> registry, Connection c) {
        registry.remove(c);
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debug("closing a shard connection failed", e);
        }
    }
}
