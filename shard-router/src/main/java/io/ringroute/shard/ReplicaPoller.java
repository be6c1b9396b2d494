package io.ringroute.shard;

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
 * identity, each replica's replay LSN, identity and freshness, and everybody's health. One task per shard, primary
 * first, so a replica's freshness is judged against a primary sample at least as old as its own.
 */
final class ReplicaPoller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaPoller.class);

    private static final String PRIMARY_SQL = "SELECT pg_is_in_recovery(),"
            + " CASE WHEN pg_is_in_recovery() THEN NULL"
            + "  ELSE pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint END,"
            + " CASE WHEN pg_is_in_recovery() THEN NULL"
            + "  ELSE ('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::int END,"
            + " (SELECT system_identifier FROM pg_control_system())";
    private static final String REPLICA_SQL = "SELECT pg_is_in_recovery(),"
            + " pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint,"
            + " COALESCE((SELECT received_tli FROM pg_stat_wal_receiver),"
            + "          (SELECT timeline_id FROM pg_control_checkpoint())),"
            + " (SELECT system_identifier FROM pg_control_system())";

    private final Duration interval;
    private final ScheduledExecutorService executor;
    private final List<ShardProbe> probes = new ArrayList<>();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    ReplicaPoller(Collection<ShardServers> shards, Duration interval) {
        this.interval = interval;
        this.executor = Executors.newScheduledThreadPool(Math.min(4, Math.max(1, shards.size())), r -> {
            Thread t = new Thread(r, "ringroute-replica-poller");
            t.setDaemon(true);
            return t;
        });
        for (ShardServers s : shards) {
            probes.add(new ShardProbe(s));
        }
    }

    /** Polls every shard once (in parallel, bounded by the connect timeouts), then keeps polling. */
    void start() {
        CompletableFuture.allOf(probes.stream().map(p -> CompletableFuture.runAsync(p, executor))
                .toArray(CompletableFuture[]::new)).join();
        for (ShardProbe p : probes) {
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
        probes.forEach(ShardProbe::close);
    }

    /** Polls one shard; runs on one thread at a time, so the primary history needs no lock. */
    private static final class ShardProbe implements Runnable {
        private static final int HISTORY = 256;

        private final ShardServers shard;
        private final ServerProbe primary;
        private final ServerProbe[] replicas;
        private final long[] sampleNanos = new long[HISTORY];
        private final long[] sampleLsns = new long[HISTORY];
        private int samples;            // total taken; the newest is at (samples - 1) % HISTORY

        ShardProbe(ShardServers shard) {
            this.shard = shard;
            this.primary = new ServerProbe(shard.primary);
            this.replicas = new ServerProbe[shard.replicas.length];
            for (int i = 0; i < replicas.length; i++) {
                replicas[i] = new ServerProbe(shard.replicas[i]);
            }
        }

        @Override
        public void run() {
            try {
                pollPrimary();
                for (ServerProbe r : replicas) {
                    pollReplica(r);
                }
            } catch (RuntimeException e) {
                LOG.error("polling shard '{}' failed", shard.name, e);
            }
        }

        private void pollPrimary() {
            long before = System.nanoTime();
            try (Statement st = primary.connection().createStatement(); ResultSet rs = st.executeQuery(PRIMARY_SQL)) {
                rs.next();
                if (rs.getBoolean(1)) {
                    primary.server.markDown("the configured primary is in recovery (a standby)");
                    return;
                }
                long lsn = rs.getLong(2);
                primary.server.identity = new ServerIdentity(rs.getLong(4), rs.getInt(3));
                primary.server.lsn = lsn;
                sampleNanos[samples % HISTORY] = before;
                sampleLsns[samples % HISTORY] = lsn;
                samples++;
                primary.server.markUp();
            } catch (SQLException e) {
                primary.fail(e);
            } finally {
                primary.server.polls.increment();
            }
        }

        private void pollReplica(ServerProbe probe) {
            ServerPool r = probe.server;
            try (Statement st = probe.connection().createStatement(); ResultSet rs = st.executeQuery(REPLICA_SQL)) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    r.markDown("the replica is not in recovery (promoted?)");
                    return;
                }
                long replayed = rs.getLong(2);
                if (rs.wasNull()) {
                    r.markDown("the replica has not replayed any WAL yet");
                    return;
                }
                r.identity = new ServerIdentity(rs.getLong(4), rs.getInt(3));
                r.lsn = replayed;
                updateFreshness(r, replayed);
                r.markUp();
            } catch (SQLException e) {
                probe.fail(e);
            } finally {
                r.polls.increment();
            }
        }

        /** Newest primary sample the replica has replayed: its data is at least as new as that moment. */
        private void updateFreshness(ServerPool r, long replayed) {
            long fresh = ServerPool.STALENESS_UNKNOWN;
            int kept = Math.min(samples, HISTORY);
            for (int k = 1; k <= kept; k++) {
                int i = (samples - k) % HISTORY;
                if (Long.compareUnsigned(sampleLsns[i], replayed) <= 0) {
                    fresh = sampleNanos[i];
                    break;
                }
            }
            r.freshAsOfNanos = fresh;
            long newest = samples == 0 ? replayed : sampleLsns[(samples - 1) % HISTORY];
            r.lagBytes = Math.max(0, newest - replayed);
            r.lagSeconds = r.lagBytes == 0 ? 0
                    : fresh == ServerPool.STALENESS_UNKNOWN ? Double.POSITIVE_INFINITY
                    : (System.nanoTime() - fresh) / 1e9;
        }

        void close() {
            primary.close();
            for (ServerProbe r : replicas) {
                r.close();
            }
        }
    }

    /** A dedicated connection to one server, outside its pool so polling never competes with the application. */
    private static final class ServerProbe {
        private static final long PROBE_SOCKET_TIMEOUT_SECONDS = 3;

        final ServerPool server;
        private Connection connection;

        ServerProbe(ServerPool server) {
            this.server = server;
        }

        Connection connection() throws SQLException {
            if (connection == null) {
                Properties props = DriverProperties.forDirectConnection(server.spec);
                // a probe that hangs would stall its shard's polling: bound reads tighter than the pools do
                props.setProperty("socketTimeout", Long.toString(PROBE_SOCKET_TIMEOUT_SECONDS));
                props.setProperty("ApplicationName", "ringroute-poller");   // tells its sessions from the pools'
                connection = DriverManager.getConnection(server.spec.url(), props);
            }
            return connection;
        }

        void fail(SQLException e) {
            server.markDown(e.getMessage());
            close();
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
