package io.ringroute.shard;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import io.ringroute.shard.config.ServerSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One physical server of a shard: its HikariCP pool and what the router knows about it (health, replay position,
 * identity, freshness), written by the poller and read lock-free by the routing path.
 */
final class ServerPool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServerPool.class);

    final String shard;
    final Role role;
    final ServerSpec spec;
    final String name;                        // shard/role#i, for logs and metrics
    private final HikariDataSource pool;

    final LongAdder reads = new LongAdder();
    final LongAdder writes = new LongAdder();
    /** Polls of this server finished, answered or failed. */
    final LongAdder polls = new LongAdder();
    /** Times this server was taken out of rotation. */
    final LongAdder ejections = new LongAdder();

    volatile boolean healthy = true;
    private volatile boolean seen;            // polled successfully at least once
    /** The poller's last sample; routing trusts its LSN and freshness only while {@link #trusts} says so. */
    volatile ServerSample sample = ServerSample.NONE;
    /** Start time (µs) of the newest incarnation of the server any connection has reached: poller's or pool's. */
    private final AtomicLong incarnation = new AtomicLong();
    volatile long lagBytes;
    volatile double lagSeconds;

    ServerPool(String shard, Role role, int index, ServerSpec spec) {
        this.shard = shard;
        this.role = role;
        this.spec = spec;
        this.name = shard + "/" + (role == Role.PRIMARY ? "primary" : "replica" + index);
        HikariConfig c = new HikariConfig();
        c.setPoolName("ringroute-" + shard + "-" + (role == Role.PRIMARY ? "primary" : "replica" + index));
        if (role == Role.REPLICA) {
            c.setDataSource(new ServerConnector(this, spec));     // notes the incarnation each connection reaches
        } else {
            c.setJdbcUrl(spec.url());      // primary samples count on any incarnation: no extra round trip
            c.setUsername(spec.user());
            c.setPassword(spec.password());
            DriverProperties.apply(spec, c.getDataSourceProperties());
        }
        c.setMaximumPoolSize(spec.maxPoolSize());
        c.setMinimumIdle(spec.minIdle());
        c.setConnectionTimeout(spec.connectionTimeout().toMillis());
        c.setValidationTimeout(Math.max(250, Math.min(1000, spec.connectionTimeout().toMillis() - 1)));
        // Start even when the server is down: the router reports it per call, it must not refuse to boot.
        c.setInitializationFailTimeout(-1);
        c.setReadOnly(role == Role.REPLICA);
        this.pool = new HikariDataSource(c);
    }

    /**
     * A pooled connection, or within the connection timeout {@link ShardPoolExhaustedException} when every
     * connection stayed in use, {@link ShardUnavailableException} when the server could not be reached.
     */
    Connection connection() throws SQLException {
        try {
            return pool.getConnection();
        } catch (SQLTransientConnectionException e) {
            throw isExhaustion(e) ? exhausted(e) : unavailable(e);
        } catch (SQLException e) {
            if (DirectConnections.isConnectionFailure(e)) {
                throw unavailable(e);
            }
            throw e;
        }
    }

    ShardUnavailableException unavailable(SQLException cause) {
        return new ShardUnavailableException(shard, role, spec.redactedUrl() + ": " + cause.getMessage(), cause);
    }

    /**
     * HikariCP's timeout carries the last failure to connect as its cause: none, and every connection checked out,
     * means the pool was busy. A connect still hanging (no cause yet, nothing active) still counts as unreachable.
     */
    private boolean isExhaustion(SQLTransientConnectionException e) {
        if (DirectConnections.hasServerFailureState(e)) {
            return false;
        }
        var mx = pool.getHikariPoolMXBean();
        return mx != null && mx.getActiveConnections() >= spec.maxPoolSize();
    }

    private ShardPoolExhaustedException exhausted(SQLException cause) {
        return new ShardPoolExhaustedException(shard, role, spec.redactedUrl(), spec.maxPoolSize(),
                spec.connectionTimeout(), cause);
    }

    /**
     * Notes that a connection reached the incarnation of the server started at {@code startedMicros}. A server
     * that restarted is on a new incarnation: samples of the old one stop being trusted.
     */
    void sawIncarnation(long startedMicros) {
        incarnation.accumulateAndGet(startedMicros, Math::max);
    }

    /**
     * Whether a sample describes what this server's connections serve now: it was taken on the newest incarnation
     * any connection has reached. A connection to a later incarnation is new, and it is noted before the pool
     * hands it out, so a read that checks this after borrowing never runs on a server the sample does not describe.
     */
    boolean trusts(ServerSample s) {
        return s.startedMicros() == incarnation.get();
    }

    /**
     * Whether the pool hands out a connection within its connection timeout (checked before a server is put back
     * into rotation, so that no read waits on a pool that is still backing off). Runs on the poller's thread.
     */
    boolean poolServes() {
        try (Connection c = pool.getConnection()) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Hands the pool a metrics tracker (HikariCP allows it once, also on a running pool). */
    void metricsTrackerFactory(MetricsTrackerFactory factory) {
        pool.setMetricsTrackerFactory(factory);
    }

    /** Takes the server out of rotation and drops its pooled connections, which are dead anyway. */
    void markDown(String why) {
        if (healthy) {
            healthy = false;
            ejections.increment();
            LOG.warn("{} ({}) is out of rotation: {}", name, spec.redactedUrl(), why);
            pool.getHikariPoolMXBean().softEvictConnections();
        }
    }

    void markUp() {
        if (!healthy) {
            healthy = true;
            if (seen) {
                LOG.info("{} ({}) is back in rotation", name, spec.redactedUrl());
            }
        }
        seen = true;
    }

    /**
     * Closes every pooled connection: idle ones now, borrowed ones when they come back. For a shard about to be
     * fenced (its write leases released) or after a connection was found ended by the server (a straggler's lease
     * revoked: its other leased connections are ended too).
     */
    void evictAll() {
        var mx = pool.getHikariPoolMXBean();
        if (mx != null) {
            mx.softEvictConnections();
        }
    }

    /** Drops a connection whose session state is unknown instead of returning it to the pool. */
    void evict(Connection c) {
        pool.evictConnection(c);
    }

    /** Returns a borrowed connection to its pool; a failure to do so only matters to the pool. */
    static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debug("closing a pooled connection failed", e);
        }
    }

    /**
     * True for a query canceled by a recovery conflict (SQLSTATE 40001; a hot standby refuses SERIALIZABLE, so on
     * a replica this is no serialization failure): the replica is healthy, the read may run elsewhere.
     */
    static boolean isRecoveryConflict(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && "40001".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        pool.close();
    }
}
