package io.ringroute.shard;

import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls every server in the background so that the read path never has to ask: the primary's insert LSN and
 * identity, each replica's replay LSN, identity and freshness, the incarnation each sample is from, and everybody's
 * health. One task (and thread) per server, each bounded by its server's connection timeout, so a hung server
 * delays no other server's samples.
 */
final class ReplicaPoller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaPoller.class);

    private static final String PRIMARY_SQL = "SELECT pg_is_in_recovery(),"
            + " CASE WHEN pg_is_in_recovery() THEN NULL"
            + "  ELSE pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint END,"
            + " CASE WHEN pg_is_in_recovery() THEN NULL"
            + "  ELSE ('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::int END,"
            + " (SELECT system_identifier FROM pg_control_system()), " + ServerConnector.STARTED_MICROS;
    private static final String REPLICA_SQL = "SELECT pg_is_in_recovery(),"
            + " pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint,"
            + " COALESCE((SELECT received_tli FROM pg_stat_wal_receiver),"
            + "          (SELECT timeline_id FROM pg_control_checkpoint())),"
            + " (SELECT system_identifier FROM pg_control_system()), " + ServerConnector.STARTED_MICROS;

    private final Duration interval;
    private final ScheduledExecutorService executor;
    private final List<ServerProbe> probes = new ArrayList<>();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    ReplicaPoller(Collection<ShardServers> shards, Duration interval) {
        this.interval = interval;
        for (ShardServers s : shards) {
            PrimaryHistory history = new PrimaryHistory();
            probes.add(new ServerProbe(s.primary, history));
            for (ServerPool r : s.replicas) {
                probes.add(new ServerProbe(r, history));
            }
        }
        // a thread per server: a poll waiting on a hung server holds only its own
        this.executor = Executors.newScheduledThreadPool(probes.size(), r -> {
            Thread t = new Thread(r, "ringroute-replica-poller");
            t.setDaemon(true);
            return t;
        });
    }

    /** Polls every server once (in parallel, bounded by the connection timeouts), then keeps polling. */
    void start() {
        CompletableFuture.allOf(probes.stream().map(p -> CompletableFuture.runAsync(p, executor))
                .toArray(CompletableFuture[]::new)).join();
        for (ServerProbe p : probes) {
            tasks.add(executor.scheduleWithFixedDelay(p, interval.toMillis(), interval.toMillis(),
                    TimeUnit.MILLISECONDS));
        }
    }

    @Override
    public void close() {
        tasks.forEach(t -> t.cancel(false));
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        probes.forEach(ServerProbe::close);
    }

    /**
     * The primary's recent (time, insert LSN) samples, written by its probe and read by its replicas' probes: a
     * replica that has replayed a sample's LSN serves at least the primary's state at that sample's time.
     */
    private static final class PrimaryHistory {
        private static final int SIZE = 256;
        private final long[] nanos = new long[SIZE];
        private final long[] lsns = new long[SIZE];
        private int samples;            // total taken; the newest is at (samples - 1) % SIZE

        synchronized void add(long atNanos, long lsn) {
            nanos[samples % SIZE] = atNanos;
            lsns[samples % SIZE] = lsn;
            samples++;
        }

        /** The time of the newest sample at or below {@code replayed}, or {@link ServerSample#STALENESS_UNKNOWN}. */
        synchronized long freshAsOf(long replayed) {
            for (int k = 1; k <= Math.min(samples, SIZE); k++) {
                int i = (samples - k) % SIZE;
                if (Long.compareUnsigned(lsns[i], replayed) <= 0) {
                    return nanos[i];
                }
            }
            return ServerSample.STALENESS_UNKNOWN;
        }

        /** The newest sampled LSN, or {@code otherwise} before the first sample. */
        synchronized long newest(long otherwise) {
            return samples == 0 ? otherwise : lsns[(samples - 1) % SIZE];
        }
    }

    /**
     * Polls one server on a dedicated connection, outside its pool so polling never competes with the application.
     * Runs on one thread at a time.
     */
    private static final class ServerProbe implements Runnable {
        final ServerPool server;
        private final PrimaryHistory history;
        private final int timeoutMillis;
        private Connection connection;

        ServerProbe(ServerPool server, PrimaryHistory history) {
            this.server = server;
            this.history = history;
            this.timeoutMillis = (int) Math.max(250, server.spec.connectionTimeout().toMillis());
        }

        @Override
        public void run() {
            try {
                pollOnce();
            } catch (RuntimeException e) {
                LOG.error("polling {} failed", server.name, e);
            } finally {
                server.polls.increment();
            }
        }

        /**
         * One poll. A failure on a connection that worked before is retried once on a new one: an administrator
         * or a recovery conflict may have ended just the poller's session (57P01, 40001) on a healthy server. A
         * failure to connect, or a timeout (a hung server), takes the server out of rotation.
         */
        private void pollOnce() {
            boolean reused = connection != null;
            try {
                poll();
            } catch (SQLException first) {
                close();
                if (!reused || isTimeout(first)) {
                    server.markDown(first.getMessage());
                    return;
                }
                try {
                    poll();
                } catch (SQLException second) {
                    close();
                    server.markDown(second.getMessage());
                }
            }
        }

        private void poll() throws SQLException {
            long before = System.nanoTime();
            boolean primary = server.role == Role.PRIMARY;
            try (Statement st = connection().createStatement();
                 ResultSet rs = st.executeQuery(primary ? PRIMARY_SQL : REPLICA_SQL)) {
                rs.next();
                if (rs.getBoolean(1) == primary) {
                    server.markDown(primary ? "the configured primary is in recovery (a standby)"
                            : "the replica is not in recovery (promoted?)");
                    return;
                }
                long lsn = rs.getLong(2);
                if (rs.wasNull()) {
                    server.markDown("the replica has not replayed any WAL yet");
                    return;
                }
                ServerIdentity identity = new ServerIdentity(rs.getLong(4), rs.getInt(3));
                long started = rs.getLong(5);
                server.sawIncarnation(started);
                if (primary) {
                    history.add(before, lsn);
                    server.sample = new ServerSample(identity, lsn, started, ServerSample.STALENESS_UNKNOWN, before);
                } else {
                    publishReplica(identity, lsn, started, before);
                }
            }
            if (!server.healthy && !server.poolServes()) {
                LOG.debug("{} answers its poller but its pool does not serve yet; it stays out of rotation",
                        server.name);
                return;
            }
            server.markUp();
        }

        private void publishReplica(ServerIdentity identity, long replayed, long started, long polled) {
            long fresh = history.freshAsOf(replayed);
            server.sample = new ServerSample(identity, replayed, started, fresh, polled);
            server.lagBytes = Math.max(0, history.newest(replayed) - replayed);
            server.lagSeconds = server.lagBytes == 0 ? 0
                    : fresh == ServerSample.STALENESS_UNKNOWN ? Double.POSITIVE_INFINITY
                    : (System.nanoTime() - fresh) / 1e9;
        }

        private Connection connection() throws SQLException {
            if (connection == null) {
                Properties props = DriverProperties.forDirectConnection(server.spec);
                props.setProperty("ApplicationName", "ringroute-poller");   // tells its sessions from the pools'
                connection = DriverManager.getConnection(server.spec.url(), props);
                // a poll bounded by the server's own timeout: a hung server is out of rotation after it
                connection.setNetworkTimeout(Runnable::run, timeoutMillis);
            }
            return connection;
        }

        private static boolean isTimeout(SQLException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SocketTimeoutException) {
                    return true;
                }
            }
            return false;
        }

        void close() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // the connection is being dropped because it failed
                }
                connection = null;
            }
        }
    }
}
