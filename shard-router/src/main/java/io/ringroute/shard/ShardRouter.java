package io.ringroute.shard;

import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import io.ringroute.ring.KeyHash;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collector;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes keys to PostgreSQL shards: the key's ring token ({@link KeyHash}) picks the shard, the consistency level
 * picks the server (primary or a replica), and every write through a {@link Session} records the commit's WAL
 * position so that the session's later reads never see a replica that has not replayed it.
 *
 * <p>One HikariCP pool per physical server. Replica replay positions and health are polled in the background, so
 * choosing a server costs a binary search and a few volatile reads: no lock, no allocation, no round trip.
 *
 * <pre>{@code
 * try (ShardRouter router = ShardRouter.builder().config(RouterConfig.load(path)).build()) {
 *     Session session = router.session();
 *     session.write("user:42", c -> c.prepareStatement("UPDATE ...").executeUpdate());
 *     String name = session.read("user:42", Consistency.SESSION, c -> ...);   // never stale
 * }
 * }</pre>
 */
public final class ShardRouter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShardRouter.class);

    private static final String BIND_TOKEN_SQL = "SELECT set_config('ringroute.token', ?, false)";
    private static final String COMMIT_POSITION_COLUMNS = " pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint,"
            + " ('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::int,"
            + " (SELECT system_identifier FROM pg_control_system())";
    private static final String COMMIT_POSITION_SQL = "SELECT" + COMMIT_POSITION_COLUMNS;
    private static final String COMMIT_POSITION_AND_EXIT_SQL = "SELECT" + COMMIT_POSITION_COLUMNS + ", pg_advisory_unlock_shared("
            + WriteFence.LOCK_KEY + ")";
    /** How long a write refused by a shard's fence waits for the catalog to publish the newer epoch. */
    private static final long FENCE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final String REPLAY_SQL = "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint";
    private static final Object NOT_SERVED = new Object();

    private final RouterConfig config;
    private final Map<String, ShardServers> servers;
    private volatile RoutingTable table;
    private final ReplicaPoller poller;
    private final ExecutorService scatterWorkers;
    private final ThreadLocal<ShardScope> scope = new ThreadLocal<>();
    private final RoutingDataSource dataSource;
    private final long sessionWaitNanos;
    private final CatalogWatcher catalog;     // null for a static topology
    private volatile boolean unroutableEpochSeen;

    private ShardRouter(RouterConfig config) {
        this.config = config;
        Map<String, ShardServers> all = new LinkedHashMap<>();
        for (ShardSpec s : config.topology().shards()) {
            all.put(s.name(), new ShardServers(s));
        }
        this.servers = all;
        this.sessionWaitNanos = config.sessionWait().toNanos();
        if (config.catalog().isPresent()) {
            TopologyCatalog topologyCatalog;
            try {
                topologyCatalog = TopologyCatalog.connect(config.catalog().get());
                apply(topologyCatalog.initialize(config.topology()));
            } catch (SQLException e) {
                all.values().forEach(ShardServers::close);
                throw new IllegalStateException(e.getMessage(), e);
            }
            all.values().forEach(ShardRouter::installFence);
            this.catalog = new CatalogWatcher(topologyCatalog, () -> table.epoch, this::apply);
        } else {
            this.table = RoutingTable.of(0, config.topology().ring(), List.of(), all);
            this.catalog = null;
        }
        this.scatterWorkers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ringroute-scatter");
            t.setDaemon(true);
            return t;
        });
        this.poller = new ReplicaPoller(all.values(), config.replicaPollInterval());
        this.poller.start();
        this.dataSource = new RoutingDataSource(this);
        LOG.info("shard router started: {} shards {}, replica poll every {} ms, {}", all.size(), all.keySet(),
                config.replicaPollInterval().toMillis(), catalog == null ? "static topology"
                        : "topology catalog " + config.catalog().get() + " at epoch " + table.epoch);
    }

    /** Switches to a catalog snapshot: floors first, then the table, so no read sees the table without them. */
    private void apply(CatalogSnapshot snapshot) {
        RoutingTable next;
        try {
            next = RoutingTable.of(snapshot.epoch(), snapshot.ring(), snapshot.handedOver(), servers);
        } catch (IllegalStateException e) {
            // Keep routing by the old epoch: the fences refuse its writes to moved ranges, nothing goes astray.
            // Expected of a router being replaced by one built with the new shards: said once, then at DEBUG.
            if (!unroutableEpochSeen) {
                unroutableEpochSeen = true;
                LOG.info("keeps routing by topology epoch {}: epoch {} needs a router built with its shards ({})",
                        table == null ? "none" : table.epoch, snapshot.epoch(), e.getMessage());
            } else {
                LOG.debug("cannot switch to topology epoch {}: {}", snapshot.epoch(), e.getMessage());
            }
            return;
        }
        snapshot.floors().forEach((shard, lsn) -> {
            ShardServers s = servers.get(shard);
            if (s != null && lsn > s.floorLsn) {
                s.floorLsn = lsn;
            }
        });
        RoutingTable current = table;
        if (current == null || next.epoch > current.epoch) {
            table = next;
            LOG.debug("routing by topology epoch {}", next.epoch);
        }
    }

    private static void installFence(ShardServers shard) {
        try (Connection c = shard.primary.connection()) {
            WriteFence.install(c);
        } catch (SQLException e) {
            LOG.warn("could not install the write fence on {} yet (it is retried on first write): {}",
                    shard.primary.name, e.getMessage());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A router configured from a properties file ({@link RouterConfig}). */
    public static ShardRouter fromConfig(Path file) {
        return builder().config(RouterConfig.load(file)).build();
    }

    public RouterConfig config() {
        return config;
    }

    /** The topology epoch this router routes by (0 for a static topology). */
    public long epoch() {
        return table.epoch;
    }

    // ---- routing -------------------------------------------------------------------------------------------

    /** The name of the shard that owns a key. */
    public String shardOf(String key) {
        return table.shardFor(KeyHash.token(key)).name;
    }

    /**
     * Where a read of the key would go right now, as {@code shard/primary} or {@code shard/replicaN}: the whole
     * routing decision without borrowing a connection. For diagnostics and benchmarks.
     */
    public String serverFor(String key, Consistency consistency, Session session) {
        requireSession(consistency, session);
        ShardServers shard = table.shardFor(KeyHash.token(key));
        ServerPool replica = shard.replicaFor(consistency, session == null ? null : session.token());
        return replica == null ? shard.primary.name : replica.name;
    }

    // ---- sessions ------------------------------------------------------------------------------------------

    /** A new session that has written nothing. */
    public Session session() {
        return new Session(this, ConsistencyToken.empty());
    }

    /** A session continuing from a token (e.g. one a client sent back). */
    public Session session(ConsistencyToken token) {
        if (token == null) {
            throw new IllegalArgumentException("consistency token must not be null");
        }
        return new Session(this, token);
    }

    /** A session continuing from a token's text form; a malformed token is rejected with the reason. */
    public Session session(String token) {
        return session(ConsistencyToken.parse(token));
    }

    // ---- writes --------------------------------------------------------------------------------------------

    /**
     * Runs {@code work} in a transaction on the primary of the key's shard and commits it. Without a session, so
     * nothing is remembered for read-your-writes; use {@link Session#write} for that.
     *
     * @throws ShardUnavailableException if the primary cannot be reached within its connection timeout
     */
    public <T> T write(String key, ShardWork<T> work) throws SQLException {
        return write(null, key, work);
    }

    <T> T write(Session session, String key, ShardWork<T> work) throws SQLException {
        long token = KeyHash.token(key);
        long refusedSince = 0;
        while (true) {
            RoutingTable t = table;
            ServerPool primary = t.shardFor(token).primary;
            Connection c = primary.connection();
            boolean gated = false;
            try {
                enter(c, token, t.epoch);
                gated = catalog != null;
                c.setAutoCommit(false);
                T result;
                try {
                    result = work.apply(c);
                    c.commit();
                    c.setAutoCommit(true);
                } catch (SQLException | RuntimeException | Error e) {
                    recordIfUncertain(session, primary, t.epoch, e);
                    rollbackQuietly(c, e);
                    throw e;
                }
                primary.writes.increment();
                gated = false;
                try {
                    leave(c, primary, session, t.epoch);
                } catch (SQLException e) {
                    // Committed: report success. Dropping the connection releases its fence lock server-side.
                    LOG.warn("ending a committed write unit on {} failed; dropping its connection: {}", primary.name,
                            e.getMessage());
                    primary.evict(c);
                }
                return result;
            } catch (SQLException e) {
                if (WriteFence.isRefusal(e)) {
                    refusedSince = awaitNewerEpoch(t.epoch, refusedSince, primary);
                    continue;
                }
                throw ServerPool.isConnectionFailure(e) && !(e instanceof ShardUnavailableException)
                        ? primary.unavailable(e) : e;
            } finally {
                if (gated) {
                    leaveQuietly(c, primary);
                }
                closeQuietly(c);
            }
        }
    }

    /**
     * After a unit failed with a connection error: it may have committed (the server commits what it received
     * before the connection broke) at a position nobody can read now, so the session's reads of the shard go to
     * the primary until its next known position there.
     */
    private static void recordIfUncertain(Session session, ServerPool primary, long epoch, Throwable e) {
        if (session != null && e instanceof SQLException s && ServerPool.isConnectionFailure(s)) {
            session.recordUncertain(primary.shard, epoch);
        }
    }

    /**
     * Binds the key's token to the connection (the token column's default) and, with a catalog, passes the
     * shard's write fence for the router's epoch: held until {@link #leave}. Runs with autocommit on, before the
     * unit's transaction, so the fence check sees the shard's current minimum epoch.
     */
    private void enter(Connection c, long token, long epoch) throws SQLException {
        if (catalog == null) {
            try (PreparedStatement ps = c.prepareStatement(BIND_TOKEN_SQL)) {
                ps.setString(1, Long.toString(token));
                ps.execute();
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(WriteFence.ENTER_SQL)) {
            ps.setLong(1, epoch);
            ps.setString(2, Long.toString(token));
            ps.execute();
        } catch (SQLException e) {
            if (!"42883".equals(e.getSQLState())) {   // undefined_function: the fence is not installed yet
                throw e;
            }
            WriteFence.install(c);
            enter(c, token, epoch);
        }
    }

    /** Ends a write unit after its commit: releases the fence and records the commit position in the session. */
    private void leave(Connection c, ServerPool primary, Session session, long epoch) throws SQLException {
        if (session != null) {
            recordCommit(c, primary, session, epoch, catalog != null);
        } else if (catalog != null) {
            try (PreparedStatement ps = c.prepareStatement(WriteFence.EXIT_SQL)) {
                ps.execute();
            }
        }
    }

    /** Releases the fence after a failed unit; a connection whose lock state is unknown is dropped, not reused. */
    private static void leaveQuietly(Connection c, ServerPool primary) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            try (PreparedStatement ps = c.prepareStatement(WriteFence.EXIT_SQL)) {
                ps.execute();
            }
        } catch (SQLException e) {
            primary.evict(c);
        }
    }

    /**
     * After a fence refusal: waits (up to {@link #FENCE_WAIT_NANOS} from the first refusal) for the catalog to
     * publish an epoch newer than the one that was refused, then lets the caller route again.
     */
    private long awaitNewerEpoch(long refusedEpoch, long refusedSince, ServerPool primary) throws SQLException {
        long since = refusedSince == 0 ? System.nanoTime() : refusedSince;
        while (true) {
            if (catalog.refresh() > refusedEpoch) {
                return since;
            }
            if (System.nanoTime() - since > FENCE_WAIT_NANOS) {
                throw new ShardUnavailableException(primary.shard, Role.PRIMARY, "it refuses writes at topology"
                        + " epoch " + refusedEpoch + " and the catalog has published no newer epoch: a resharding"
                        + " cutover is unfinished, resume it", null);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for a newer topology epoch", e);
            }
        }
    }

    /**
     * Records, after a commit, the primary's insert position: it is at or after the end of the commit record, so
     * a replica that has replayed up to it has the commit. If it cannot be read, the session reads this shard from
     * the primary until its next write here.
     */
    private static void recordCommit(Connection c, ServerPool primary, Session session, long epoch,
                                     boolean releaseFence) throws SQLException {
        long ticket = session.positionTicket();
        try (PreparedStatement ps = c.prepareStatement(releaseFence ? COMMIT_POSITION_AND_EXIT_SQL
                : COMMIT_POSITION_SQL); ResultSet rs = ps.executeQuery()) {
            rs.next();
            session.recordWrite(ticket, primary.shard, new ServerIdentity(rs.getLong(3), rs.getInt(2)), rs.getLong(1),
                    epoch);
        } catch (SQLException e) {
            LOG.warn("could not read the commit position on {}; the session reads it from the primary", primary.name,
                    e);
            session.recordUncertain(primary.shard, epoch);
            if (releaseFence) {
                throw e;     // the caller drops the connection: its fence lock must not stay held
            }
        }
    }

    // ---- reads ---------------------------------------------------------------------------------------------

    /**
     * Runs a read of the key's shard at a consistency level: STRONG on the primary; EVENTUAL and bounded staleness
     * on a replica when one qualifies, else on the primary. SESSION needs a {@link Session}.
     */
    public <T> T read(String key, Consistency consistency, ShardWork<T> work) throws SQLException {
        return read(null, key, consistency, work);
    }

    <T> T read(Session session, String key, Consistency consistency, ShardWork<T> work) throws SQLException {
        requireSession(consistency, session);
        catchUpWith(session);
        return readOn(table.shardFor(KeyHash.token(key)), consistency, session, work);
    }

    /**
     * A session that wrote at a newer epoch than this router knows (through another router) may have written
     * where this router would not look: learn that epoch first.
     */
    private void catchUpWith(Session session) throws SQLException {
        if (catalog != null && session != null && session.token().epoch() > table.epoch) {
            catalog.refresh();
        }
    }

    /**
     * Reads on a qualifying replica, else on the primary. A replica read that fails because the replica is gone
     * (which takes it out of rotation) or was canceled by a recovery conflict (SQLSTATE 40001: the replica is
     * healthy and stays in rotation) is run again on the primary, so neither reaches the caller.
     */
    private <T> T readOn(ShardServers shard, Consistency consistency, Session session, ShardWork<T> work)
            throws SQLException {
        ConsistencyToken token = session == null ? null : session.token();
        ServerPool replica = shard.replicaFor(consistency, token);
        FallbackReason why = null;
        if (replica != null) {
            try (Connection c = replica.connection()) {
                if (shard.stillQualifies(replica, consistency, token)) {   // c may be the first to a restarted server
                    T result = work.apply(c);
                    replica.reads.increment();
                    return result;
                }
            } catch (SQLException e) {
                why = retryOnPrimaryOrThrow(replica, e);
            }
        } else if (sessionWaitNanos > 0 && consistency.level() == Consistency.Level.SESSION) {
            Object served = readAfterCatchUp(shard, token, work);
            if (served != NOT_SERVED) {
                @SuppressWarnings("unchecked")
                T result = (T) served;
                return result;
            }
        }
        if (consistency.level() != Consistency.Level.STRONG) {
            shard.fallback(why != null ? why : shard.whyNoReplica());
        }
        return runRead(shard.primary, work);
    }

    /**
     * After a replica read failed: why the read may run on the primary instead (the replica is gone, and is taken
     * out of rotation unless merely busy; or a recovery conflict canceled the read), else throws.
     */
    private static FallbackReason retryOnPrimaryOrThrow(ServerPool replica, SQLException e) throws SQLException {
        if (ServerPool.isRecoveryConflict(e)) {
            LOG.debug("a read on {} was canceled by a recovery conflict; it runs on the primary", replica.name);
            return FallbackReason.REPLICA_CONFLICT;
        }
        if (!ServerPool.isConnectionFailure(e)) {
            throw e;
        }
        markDownUnlessBusy(replica, e);
        return failedReplica(e);
    }

    private static FallbackReason failedReplica(SQLException e) {
        return e instanceof ShardPoolExhaustedException ? FallbackReason.REPLICA_BUSY
                : FallbackReason.REPLICA_UNREACHABLE;
    }

    /** A busy replica is healthy: the read falls back to the primary, but the replica stays in rotation. */
    private static void markDownUnlessBusy(ServerPool replica, SQLException e) {
        if (!(e instanceof ShardPoolExhaustedException)) {
            replica.markDown(e.getMessage());
        }
    }

    private static <T> T runRead(ServerPool server, ShardWork<T> work) throws SQLException {
        try (Connection c = server.connection()) {
            T result = work.apply(c);
            server.reads.increment();
            return result;
        } catch (SQLException e) {
            throw server.role == Role.PRIMARY && ServerPool.isConnectionFailure(e)
                    && !(e instanceof ShardUnavailableException) ? server.unavailable(e) : e;
        }
    }

    /** Waits up to the session wait for a replica to replay the session's position, then reads there. */
    private Object readAfterCatchUp(ShardServers shard, ConsistencyToken token, ShardWork<?> work)
            throws SQLException {
        ServerPool replica = shard.replicaToWaitOn(token);
        if (replica == null) {
            return NOT_SERVED;
        }
        long required = Math.max(token.lsnAt(token.indexOf(shard.name)), shard.floorLsn);
        long deadline = System.nanoTime() + sessionWaitNanos;
        try (Connection c = replica.connection(); PreparedStatement ps = c.prepareStatement(REPLAY_SQL)) {
            while (true) {
                long replayed;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    replayed = rs.getLong(1);
                }
                if (Long.compareUnsigned(replayed, required) >= 0) {
                    Object result = work.apply(c);
                    replica.reads.increment();
                    return result;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return NOT_SERVED;
                }
                Thread.sleep(Math.max(1, Math.min(5, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return NOT_SERVED;
        } catch (SQLException e) {
            retryOnPrimaryOrThrow(replica, e);
            return NOT_SERVED;
        }
    }

    private static void requireSession(Consistency consistency, Session session) {
        if (consistency == null) {
            throw new IllegalArgumentException("consistency must not be null");
        }
        if (consistency.level() == Consistency.Level.SESSION && session == null) {
            throw new IllegalArgumentException("SESSION reads need a Session: use router.session(...).read(...)");
        }
    }

    // ---- scatter-gather ------------------------------------------------------------------------------------

    /**
     * Runs {@code work} on every shard in parallel (each shard's server chosen by {@code consistency}) and merges
     * the results with {@code merge}, in shard name order. Each shard's connection gets a network timeout of what
     * is left of {@code timeout}, so no thread stays blocked past it.
     *
     * @throws ScatterTimeoutException naming the shards that had not answered within {@code timeout}
     */
    public <T, R> R scatterGather(Consistency consistency, Duration timeout, ShardWork<T> work,
                                  Collector<? super T, ?, R> merge) throws SQLException {
        return scatterGather(null, consistency, timeout, work, merge);
    }

    <T, R> R scatterGather(Session session, Consistency consistency, Duration timeout, ShardWork<T> work,
                           Collector<? super T, ?, R> merge) throws SQLException {
        requireSession(consistency, session);
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("scatter-gather timeout must be > 0, was " + timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ShardServers[] shards = table.shards;
        List<Future<T>> futures = new ArrayList<>(shards.length);
        for (ShardServers shard : shards) {
            futures.add(scatterWorkers.submit(() -> readOn(shard, consistency, session, c -> {
                c.setNetworkTimeout(scatterWorkers, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(
                        deadline - System.nanoTime())));
                return work.apply(c);
            })));
        }
        List<T> results = new ArrayList<>(shards.length);
        List<String> late = new ArrayList<>();
        SQLException failure = null;
        for (int i = 0; i < shards.length; i++) {
            try {
                results.add(futures.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                late.add(shards[i].name);
            } catch (ExecutionException e) {
                SQLException cause = e.getCause() instanceof SQLException s ? s
                        : new SQLException("scatter-gather on shard '" + shards[i].name + "' failed", e.getCause());
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for scatter-gather", e);
            }
        }
        if (!late.isEmpty()) {
            futures.forEach(f -> f.cancel(true));
            throw new ScatterTimeoutException(late, timeout);
        }
        if (failure != null) {
            throw failure;
        }
        return results.stream().collect(merge);
    }

    // ---- DataSource facade ---------------------------------------------------------------------------------

    /**
     * A {@link DataSource} that routes each {@code getConnection()} by the scope bound to the current thread
     * ({@link #writeScope}, {@link #readScope}, or the same on a {@link Session}), so JDBC code, Spring's
     * JdbcTemplate or jOOQ work unchanged inside a scope. A write scope's connection is the primary's; closing it
     * records the session's position. Without a scope, {@code getConnection()} fails with a message saying so.
     */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Binds the key's primary to {@link #dataSource()} on this thread until the scope is closed. */
    public ShardScope writeScope(String key) {
        return bind(key, null, null);
    }

    /** Binds a read of the key at a consistency (not SESSION: use a session's scope) to {@link #dataSource()}. */
    public ShardScope readScope(String key, Consistency consistency) {
        if (consistency == null) {
            throw new IllegalArgumentException("consistency must not be null");
        }
        return bind(key, consistency, null);
    }

    ShardScope bind(String key, Consistency consistency, Session session) {
        if (consistency != null) {
            requireSession(consistency, session);
            try {
                catchUpWith(session);
            } catch (SQLException e) {
                LOG.warn("could not refresh the topology for a session from a newer epoch: {}", e.getMessage());
            }
        }
        return new ShardScope(scope, KeyHash.token(key), consistency, session);
    }

    ShardScope currentScope() {
        return scope.get();
    }

    /** A primary connection for a write scope, fence passed and token bound; closing it ends the unit. */
    Connection openWriteConnection(ShardScope s) throws SQLException {
        long refusedSince = 0;
        while (true) {
            RoutingTable t = table;
            ServerPool primary = t.shardFor(s.token).primary;
            Connection c = primary.connection();
            try {
                enter(c, s.token, t.epoch);
            } catch (SQLException e) {
                closeQuietly(c);
                if (WriteFence.isRefusal(e)) {
                    refusedSince = awaitNewerEpoch(t.epoch, refusedSince, primary);
                    continue;
                }
                throw ServerPool.isConnectionFailure(e) ? primary.unavailable(e) : e;
            }
            return WriteConnection.wrap(c, () -> {
                primary.writes.increment();
                try {
                    leave(c, primary, s.session, t.epoch);
                } catch (SQLException e) {
                    primary.evict(c);
                    throw e;
                }
            }, () -> {
                if (s.session != null) {
                    s.session.recordUncertain(primary.shard, t.epoch);
                }
            });
        }
    }

    /**
     * A connection for a read scope: a qualifying replica's, falling back to the primary's. What runs on it is the
     * application's, so errors on it (a recovery conflict included) reach the application as they are.
     */
    Connection openReadConnection(ShardScope s) throws SQLException {
        ShardServers shard = table.shardFor(s.token);
        ConsistencyToken token = s.session == null ? null : s.session.token();
        ServerPool replica = shard.replicaFor(s.consistency, token);
        FallbackReason why = null;
        if (replica != null) {
            try {
                Connection c = replica.connection();
                if (shard.stillQualifies(replica, s.consistency, token)) {
                    replica.reads.increment();
                    return c;
                }
                closeQuietly(c);
            } catch (ShardUnavailableException e) {
                markDownUnlessBusy(replica, e);
                why = failedReplica(e);
            }
        }
        if (s.consistency.level() != Consistency.Level.STRONG) {
            shard.fallback(why != null ? why : shard.whyNoReplica());
        }
        Connection c = shard.primary.connection();
        shard.primary.reads.increment();
        return c;
    }

    // ---- metrics and lifecycle -----------------------------------------------------------------------------

    public RouterMetrics metrics() {
        List<ServerMetrics> out = new ArrayList<>();
        for (ShardServers s : servers.values()) {
            ServerPool p = s.primary;
            out.add(new ServerMetrics(s.name, Role.PRIMARY, p.spec.redactedUrl(), p.healthy, p.reads.sum(),
                    p.writes.sum(), s.fallbacks.sum(), 0, 0, p.polls.sum(), p.ejections.sum()));
            for (ServerPool r : s.replicas) {
                out.add(new ServerMetrics(s.name, Role.REPLICA, r.spec.redactedUrl(), r.healthy, r.reads.sum(),
                        r.writes.sum(), 0, r.lagBytes, r.lagSeconds, r.polls.sum(), r.ejections.sum()));
            }
        }
        List<RouterMetrics.Fallbacks> fallbacks = new ArrayList<>();
        for (ShardServers s : servers.values()) {
            for (FallbackReason why : FallbackReason.values()) {
                fallbacks.add(new RouterMetrics.Fallbacks(s.name, why, s.fallbacks(why)));
            }
        }
        return new RouterMetrics(table.epoch, out, fallbacks);
    }

    /**
     * Hands every connection pool of this router a HikariCP metrics tracker (e.g. its
     * {@code MicrometerMetricsTrackerFactory}); HikariCP allows this once per pool.
     *
     * @throws IllegalStateException when the pools already have one
     */
    public void poolMetrics(MetricsTrackerFactory factory) {
        if (factory == null) {
            throw new IllegalArgumentException("factory must not be null");
        }
        for (ShardServers s : servers.values()) {
            s.primary.metricsTrackerFactory(factory);
            for (ServerPool r : s.replicas) {
                r.metricsTrackerFactory(factory);
            }
        }
    }

    @Override
    public void close() {
        if (catalog != null) {
            catalog.close();
        }
        poller.close();
        scatterWorkers.shutdownNow();
        servers.values().forEach(ShardServers::close);
        LOG.info("shard router closed");
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debug("closing a pooled connection failed", e);
        }
    }

    /** Builds a {@link ShardRouter}; setters check their argument and name the bad value. */
    public static final class Builder {
        private ShardTopology topology;
        private Duration replicaPollInterval = RouterConfig.DEFAULT_REPLICA_POLL_INTERVAL;
        private Duration sessionWait = Duration.ZERO;
        private Optional<CatalogSpec> catalog = Optional.empty();

        private Builder() {
        }

        /** Takes every setting from a loaded configuration. */
        public Builder config(RouterConfig config) {
            if (config == null) {
                throw new IllegalArgumentException("config must not be null");
            }
            this.topology = config.topology();
            this.replicaPollInterval = config.replicaPollInterval();
            this.sessionWait = config.sessionWait();
            this.catalog = config.catalog();
            return this;
        }

        public Builder topology(ShardTopology topology) {
            if (topology == null) {
                throw new IllegalArgumentException("topology must not be null");
            }
            this.topology = topology;
            return this;
        }

        /** How often replica positions and health are polled (default 100 ms, at least 5 ms). */
        public Builder replicaPollInterval(Duration interval) {
            if (interval == null || interval.toMillis() < 5) {
                throw new IllegalArgumentException("replicaPollInterval must be >= 5ms, was " + interval);
            }
            this.replicaPollInterval = interval;
            return this;
        }

        /**
         * How long a SESSION read may wait for a replica to replay the session's writes before it goes to the
         * primary (default 0: go to the primary at once).
         */
        public Builder sessionWait(Duration wait) {
            if (wait == null || wait.isNegative()) {
                throw new IllegalArgumentException("sessionWait must be >= 0, was " + wait);
            }
            this.sessionWait = wait;
            return this;
        }

        /** Shares the topology through a catalog, so that resharding can change it online. */
        public Builder catalog(CatalogSpec catalog) {
            if (catalog == null) {
                throw new IllegalArgumentException("catalog must not be null");
            }
            this.catalog = Optional.of(catalog);
            return this;
        }

        public ShardRouter build() {
            if (topology == null) {
                throw new IllegalStateException("a topology is required: call topology(...) or config(...)");
            }
            return new ShardRouter(new RouterConfig(topology, replicaPollInterval, sessionWait, catalog));
        }
    }
}
