package io.ringroute.shard.reshard;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.RangeMove;
import io.ringroute.ring.RebalancePlan;
import io.ringroute.shard.CatalogMove;
import io.ringroute.shard.CatalogSnapshot;
import io.ringroute.shard.CatalogSpec;
import io.ringroute.shard.MoveState;
import io.ringroute.shard.ServerSpec;
import io.ringroute.shard.ShardSpec;
import io.ringroute.shard.ShardTopology;
import io.ringroute.shard.ShardedTable;
import io.ringroute.shard.TopologyCatalog;
import io.ringroute.shard.WriteFence;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves rows online when shards are added, removed or reweighted. The ring's {@link RebalancePlan} between the
 * catalog's current members and the target names the token ranges that change owner; for each one the resharder
 * <ol>
 *   <li>copies its rows to the new owner in token-ordered COPY batches while writers go on (a trigger on the old
 *       owner logs the tokens they touch in leaving ranges);</li>
 *   <li>re-copies the logged tokens until few are left;</li>
 *   <li>fences the old owner ({@link WriteFence}: exclusive write-gate lock, minimum epoch raised), re-copies the
 *       last logged tokens, and hands the range over in the catalog (epoch + 1, NOTIFY) before releasing the
 *       lock. Routers still on the old epoch are refused by the old owner and re-route.</li>
 * </ol>
 * After a grace period the old owners' copies are deleted, a removed shard is checked empty, and the target becomes
 * the members. Reads are never blocked. Every step is recorded in the catalog, so a run that dies is resumed by
 * running again with the same target.
 */
public final class Resharder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Resharder.class);
    private static final int CATCH_UP_ROUNDS = 10;
    private static final int CATCH_UP_TAIL = 20;
    private static final int FENCE_ATTEMPTS = 5;

    private final CatalogSpec catalogSpec;
    private final ShardTopology servers;
    private final int batchSize;
    private final Duration cleanupGrace;
    private final Duration fenceLockTimeout;
    private final ReshardListener listener;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private Resharder(Builder b) {
        this.catalogSpec = b.catalog;
        this.servers = b.servers;
        this.batchSize = b.batchSize;
        this.cleanupGrace = b.cleanupGrace;
        this.fenceLockTimeout = b.fenceLockTimeout;
        this.listener = b.listener;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The shard weights the catalog records now (the members of the current epoch). */
    public Map<String, Double> currentMembers() throws SQLException {
        try (TopologyCatalog catalog = TopologyCatalog.connect(catalogSpec)) {
            return catalog.snapshot().members();
        }
    }

    /** The dry run: the moves from the catalog's members to {@code target} and the rows each would move. */
    public ReshardPlan plan(Map<String, Double> target) throws SQLException {
        Map<String, Double> to = sorted(target);
        try (TopologyCatalog catalog = TopologyCatalog.connect(catalogSpec)) {
            CatalogSnapshot snap = catalog.snapshot();
            List<ShardedTable> tables = catalog.tables();
            Map<String, Connection> shards = new HashMap<>();
            try {
                validate(snap, to, tables, shards);
                RebalancePlan plan = RebalancePlan.between(snap.ring(), ringOf(snap.vnodes(), to));
                Map<String, RowCopier> copiers = copiers(tables, connection(shards, snap.members().keySet()
                        .iterator().next()));
                List<ReshardPlan.PlannedMove> moves = new ArrayList<>();
                for (RangeMove m : plan.moves()) {
                    moves.add(new ReshardPlan.PlannedMove(m, count(copiers, connection(shards, m.from().id()),
                            Segments.of(m.range()))));
                }
                long total = 0;
                for (String shard : snap.members().keySet()) {
                    for (RowCopier c : copiers.values()) {
                        total += c.count(connection(shards, shard), Long.MIN_VALUE, Long.MAX_VALUE);
                    }
                }
                return new ReshardPlan(snap.members(), to, moves, plan.movedFraction(), total);
            } finally {
                shards.values().forEach(this::closeQuietly);
            }
        }
    }

    /**
     * Reshards to {@code target} (shard name to weight), or resumes the unfinished resharding to it.
     *
     * @throws IllegalArgumentException if the target equals the current members, is empty or names a shard the
     *                                  configuration does not define; nothing is recorded or moved
     * @throws IllegalStateException    if a table lacks its token column, another resharder runs, or an unfinished
     *                                  resharding to another target is recorded; nothing is moved
     * @throws InterruptedException     if the thread is interrupted; the catalog records where it stopped
     */
    public ReshardResult run(Map<String, Double> target) throws SQLException, InterruptedException {
        Map<String, Double> to = sorted(target);
        if (closed) {
            throw new IllegalStateException("this resharder is closed");
        }
        try (TopologyCatalog catalog = TopologyCatalog.connect(catalogSpec)) {
            if (!catalog.tryLockResharder()) {
                throw new IllegalStateException("another resharder is running against the catalog at "
                        + catalogSpec.server().redactedUrl());
            }
            CatalogSnapshot snap = catalog.snapshot();
            List<ShardedTable> tables = catalog.tables();
            Map<String, Connection> shards = new HashMap<>();
            try {
                if (snap.target().isEmpty()) {
                    validate(snap, to, tables, shards);
                    RebalancePlan plan = RebalancePlan.between(snap.ring(), ringOf(snap.vnodes(), to));
                    catalog.beginResharding(to, plan.moves());
                    LOG.info("resharding {} -> {}: {} ranges, {}% of the ring", snap.members(), to,
                            plan.moves().size(), String.format("%.2f", 100 * plan.movedFraction()));
                    snap = catalog.snapshot();
                } else if (!sorted(snap.target().get()).equals(to)) {
                    throw new IllegalStateException("an unfinished resharding to " + snap.target().get()
                            + " is recorded in the catalog: run it again with that target to resume it");
                } else {
                    LOG.info("resuming the resharding {} -> {}", snap.members(), to);
                }
                return new Run(catalog, snap, tables, shards).execute();
            } finally {
                shards.values().forEach(this::closeQuietly);
            }
        }
    }

    /** Aborts a running {@link #run} by closing its connections (as a crash would); the catalog keeps its state. */
    @Override
    public void close() {
        closed = true;
        open.forEach(this::closeQuietly);
    }

    // ---- one run -------------------------------------------------------------------------------------------

    /** The state of one run: the catalog, the shard connections, counters. */
    private final class Run {
        private final TopologyCatalog catalog;
        private final List<ShardedTable> tables;
        private final Map<String, Connection> shards;
        private final List<CatalogMove> moves;
        private final Map<String, Double> members;
        private final Map<String, Double> target;
        private long epoch;
        private final long startNanos = System.nanoTime();
        private long rowsTotal;
        private long rowsCopied;
        private long rowsCaughtUp;
        private long rowsDeleted;
        private int rangesDone;
        private long maxPauseNanos;
        private long lastHandOverNanos;
        private Map<String, RowCopier> copiers;

        Run(TopologyCatalog catalog, CatalogSnapshot snap, List<ShardedTable> tables,
            Map<String, Connection> shards) {
            this.catalog = catalog;
            this.tables = tables;
            this.shards = shards;
            this.moves = snap.moves();
            this.members = snap.members();
            this.target = snap.target().orElseThrow();
            this.epoch = snap.epoch();
        }

        ReshardResult execute() throws SQLException, InterruptedException {
            progress(ReshardProgress.Phase.PREPARING);
            Set<String> involved = new LinkedHashSet<>(members.keySet());
            involved.addAll(target.keySet());
            for (String shard : involved) {
                WriteFence.install(connection(shards, shard));
            }
            copiers = copiers(tables, connection(shards, members.keySet().iterator().next()));
            Map<String, List<Segments>> leaving = new LinkedHashMap<>();
            for (CatalogMove m : moves) {
                if (m.state().handedOver()) {
                    rangesDone++;
                } else {
                    leaving.computeIfAbsent(m.from(), k -> new ArrayList<>()).add(Segments.of(m.range()));
                    rowsTotal += count(copiers, connection(shards, m.from()), Segments.of(m.range()));
                }
            }
            for (Map.Entry<String, List<Segments>> e : leaving.entrySet()) {
                ChangeCapture.install(connection(shards, e.getKey()), tables, e.getValue());
            }
            progress(ReshardProgress.Phase.MOVING);
            for (CatalogMove m : moves) {
                if (!m.state().handedOver()) {
                    checkInterrupted();
                    move(m);
                    rangesDone++;
                    progress(ReshardProgress.Phase.MOVING);
                }
            }
            progress(ReshardProgress.Phase.CLEANING_UP);
            cleanUp();
            Set<String> sources = new LinkedHashSet<>();
            moves.forEach(m -> sources.add(m.from()));
            for (String shard : sources) {
                ChangeCapture.uninstall(connection(shards, shard), tables);
            }
            for (String removed : members.keySet()) {
                if (!target.containsKey(removed)) {
                    requireEmpty(removed);
                }
            }
            long finalEpoch = catalog.complete();
            progress(ReshardProgress.Phase.DONE);
            LOG.info("resharding done at epoch {}: {} rows copied, {} re-copied, {} deleted, longest fence {} ms",
                    finalEpoch, rowsCopied, rowsCaughtUp, rowsDeleted, maxPauseNanos / 1_000_000);
            return new ReshardResult(finalEpoch, rangesDone, rowsCopied, rowsCaughtUp, rowsDeleted,
                    Duration.ofNanos(System.nanoTime() - startNanos), Duration.ofNanos(maxPauseNanos));
        }

        private void move(CatalogMove m) throws SQLException, InterruptedException {
            Connection from = connection(shards, m.from());
            Connection to = connection(shards, m.to());
            Segments range = Segments.of(m.range());
            if (m.state() != MoveState.FENCING) {
                // PENDING, or COPYING left by an interrupted run: start the copy over on a clean target range
                catalog.setMoveState(m.index(), MoveState.COPYING);
                for (RowCopier c : copiers.values()) {
                    for (long[] p : range.parts()) {
                        c.delete(to, p[0], p[1], batchSize);
                    }
                }
                for (RowCopier c : copiers.values()) {
                    for (long[] p : range.parts()) {
                        bulkCopy(c, from, to, m, p[0], p[1]);
                    }
                }
                for (int round = 0; round < CATCH_UP_ROUNDS; round++) {
                    checkInterrupted();
                    if (catchUp(from, to, range) <= CATCH_UP_TAIL) {
                        break;
                    }
                }
                catalog.setMoveState(m.index(), MoveState.FENCING);
            }
            handOver(m, from, to, range);
            ChangeCapture.forget(from, range);
        }

        private void bulkCopy(RowCopier c, Connection from, Connection to, CatalogMove m, long lo, long hi)
                throws SQLException, InterruptedException {
            long cursor = lo;
            while (true) {
                checkInterrupted();
                long end = c.batchEnd(from, cursor, hi, batchSize);
                long n = c.copy(from, to, cursor, end);
                rowsCopied += n;
                catalog.addRowsCopied(m.index(), n);
                progress(ReshardProgress.Phase.MOVING);
                if (end == hi) {
                    return;
                }
                cursor = end + 1;
            }
        }

        /** Re-copies the tokens the change log names; returns how many log entries it consumed. */
        private long catchUp(Connection from, Connection to, Segments range) throws SQLException {
            long consumed = 0;
            for (RowCopier c : copiers.values()) {
                for (long[] p : range.parts()) {
                    while (true) {
                        List<Long> seqs = new ArrayList<>();
                        Set<Long> tokens = new LinkedHashSet<>();
                        try (PreparedStatement ps = from.prepareStatement("SELECT seq, tok FROM " + WriteFence.SCHEMA
                                + ".changes WHERE tbl = ? AND tok BETWEEN ? AND ? ORDER BY seq LIMIT 5000")) {
                            ps.setString(1, c.table().name());
                            ps.setLong(2, p[0]);
                            ps.setLong(3, p[1]);
                            try (ResultSet rs = ps.executeQuery()) {
                                while (rs.next()) {
                                    seqs.add(rs.getLong(1));
                                    tokens.add(rs.getLong(2));
                                }
                            }
                        }
                        if (seqs.isEmpty()) {
                            break;
                        }
                        rowsCaughtUp += c.replace(from, to, tokens.stream().mapToLong(Long::longValue).toArray());
                        try (PreparedStatement ps = from.prepareStatement("DELETE FROM " + WriteFence.SCHEMA
                                + ".changes WHERE seq = ANY(?)")) {
                            ps.setArray(1, from.createArrayOf("bigint", seqs.toArray()));
                            ps.executeUpdate();
                        }
                        consumed += seqs.size();
                    }
                }
            }
            return consumed;
        }

        /**
         * The cutover: under the old owner's exclusive write-gate lock, raise its minimum epoch, drain the change
         * log, and publish the hand-over in the catalog; only then release the lock.
         */
        private void handOver(CatalogMove m, Connection from, Connection to, Segments range)
                throws SQLException, InterruptedException {
            long newEpoch = epoch + 1;
            for (int attempt = 1; ; attempt++) {
                long start = System.nanoTime();
                if (lockGate(from)) {
                    try {
                        WriteFence.raiseMinimumEpoch(from, newEpoch);
                        while (catchUp(from, to, range) > 0) {
                            // writers are held: the log only shrinks
                        }
                        catalog.handOver(m.index(), newEpoch, m.to(), insertPosition(to));
                    } finally {
                        unlockGate(from);
                    }
                    epoch = newEpoch;
                    lastHandOverNanos = System.nanoTime();
                    maxPauseNanos = Math.max(maxPauseNanos, lastHandOverNanos - start);
                    return;
                }
                if (attempt == FENCE_ATTEMPTS) {
                    throw new IllegalStateException("could not fence shard '" + m.from() + "' in " + FENCE_ATTEMPTS
                            + " attempts: write units held its write gate longer than " + fenceLockTimeout.toMillis()
                            + " ms each time");
                }
                LOG.info("fencing {} timed out behind a long write unit; catching up and trying again", m.from());
                catchUp(from, to, range);
                checkInterrupted();
            }
        }

        private boolean lockGate(Connection c) throws SQLException {
            try (Statement st = c.createStatement()) {
                st.execute("SET lock_timeout = '" + fenceLockTimeout.toMillis() + "ms'");
                try {
                    st.execute("SELECT pg_advisory_lock(" + WriteFence.LOCK_KEY + ")");
                    return true;
                } catch (SQLException e) {
                    if ("55P03".equals(e.getSQLState())) {    // lock_not_available
                        return false;
                    }
                    throw e;
                } finally {
                    st.execute("SET lock_timeout = 0");
                }
            }
        }

        private void unlockGate(Connection c) throws SQLException {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_unlock(" + WriteFence.LOCK_KEY + ")");
            }
        }

        /** Deletes the old owners' copies of handed-over ranges, once routers have had time to learn the epochs. */
        private void cleanUp() throws SQLException, InterruptedException {
            long wait = cleanupGrace.toNanos() - (System.nanoTime() - lastHandOverNanos);
            if (lastHandOverNanos == 0) {
                wait = cleanupGrace.toNanos();   // a resumed run: the earlier hand-overs' time is unknown
            }
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            for (CatalogMove m : catalog.snapshot().moves()) {
                if (m.state() == MoveState.MOVED) {
                    checkInterrupted();
                    Connection from = connection(shards, m.from());
                    for (RowCopier c : copiers.values()) {
                        for (long[] p : Segments.of(m.range()).parts()) {
                            rowsDeleted += c.delete(from, p[0], p[1], batchSize);
                        }
                    }
                    catalog.setMoveState(m.index(), MoveState.CLEANED);
                }
            }
        }

        private void requireEmpty(String shard) throws SQLException {
            for (RowCopier c : copiers.values()) {
                long left = c.count(connection(shards, shard), Long.MIN_VALUE, Long.MAX_VALUE);
                if (left > 0) {
                    throw new IllegalStateException("shard '" + shard + "' still holds " + left + " rows of "
                            + c.table().name() + " after draining: it stays in the topology");
                }
            }
        }

        private void progress(ReshardProgress.Phase phase) {
            double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
            long done = rowsCopied + rowsCaughtUp;
            double rate = done / seconds;
            long left = Math.max(0, rowsTotal - rowsCopied);
            Duration eta = rate > 0 ? Duration.ofMillis((long) (1000 * left / rate)) : Duration.ZERO;
            listener.onProgress(new ReshardProgress(phase, rangesDone, moves.size(), done, rowsTotal, rate, eta));
        }
    }

    // ---- shared helpers ------------------------------------------------------------------------------------

    private void validate(CatalogSnapshot snap, Map<String, Double> target, List<ShardedTable> tables,
                          Map<String, Connection> shards) throws SQLException {
        if (target.isEmpty()) {
            throw new IllegalArgumentException("the target topology has no shards: the last shard cannot be removed");
        }
        for (Map.Entry<String, Double> e : target.entrySet()) {
            if (servers.shard(e.getKey()).isEmpty()) {
                throw new IllegalArgumentException("shard '" + e.getKey() + "' of the target is not defined in the"
                        + " configuration (defined: " + servers.shardNames() + ")");
            }
            if (!(e.getValue() > 0) || e.getValue().isInfinite()) {
                throw new IllegalArgumentException("shard '" + e.getKey() + "': weight must be finite and > 0, was "
                        + e.getValue());
            }
        }
        if (target.equals(sorted(snap.members()))) {
            throw new IllegalArgumentException("the target topology equals the current one (epoch " + snap.epoch()
                    + ", shards " + snap.members() + "): nothing to move");
        }
        if (tables.isEmpty()) {
            throw new IllegalStateException("no sharded tables are registered in the catalog: register them"
                    + " (TopologyCatalog.registerTable or `reshard register-table`) before resharding");
        }
        Set<String> involved = new LinkedHashSet<>(snap.members().keySet());
        involved.addAll(target.keySet());
        for (String shard : involved) {
            Connection c = connection(shards, shard);
            for (ShardedTable t : tables) {
                t.requirePresent(c, shard);
            }
        }
    }

    private Connection connection(Map<String, Connection> shards, String shard) throws SQLException {
        Connection c = shards.get(shard);
        if (c == null) {
            ShardSpec spec = servers.shard(shard).orElseThrow(() -> new IllegalArgumentException("shard '" + shard
                    + "' is in the catalog but not in this configuration (defined: " + servers.shardNames() + ")"));
            ServerSpec p = spec.primary();
            Properties props = new Properties();
            props.setProperty("user", p.user());
            if (!p.password().isEmpty()) {
                props.setProperty("password", p.password());
            }
            props.setProperty("connectTimeout", Long.toString(Math.max(1, p.connectionTimeout().toSeconds())));
            props.setProperty("ApplicationName", "ringroute-resharder");
            try {
                c = DriverManager.getConnection(p.url(), props);
            } catch (SQLException e) {
                throw new SQLException("shard '" + shard + "' primary " + p.redactedUrl() + " is unreachable: "
                        + e.getMessage(), e.getSQLState(), e);
            }
            open.add(c);
            if (closed) {
                closeQuietly(c);
                throw new SQLException("the resharder was closed");
            }
            shards.put(shard, c);
        }
        return c;
    }

    private static Map<String, RowCopier> copiers(List<ShardedTable> tables, Connection any) throws SQLException {
        Map<String, RowCopier> out = new LinkedHashMap<>();
        for (ShardedTable t : tables) {
            out.put(t.name(), RowCopier.of(t, any));
        }
        return out;
    }

    private static long count(Map<String, RowCopier> copiers, Connection c, Segments range) throws SQLException {
        long n = 0;
        for (RowCopier copier : copiers.values()) {
            for (long[] p : range.parts()) {
                n += copier.count(c, p[0], p[1]);
            }
        }
        return n;
    }

    private static long insertPosition(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static HashRing ringOf(int vnodes, Map<String, Double> weights) {
        return HashRing.builder().vnodesPerNode(vnodes)
                .nodes(weights.entrySet().stream().map(e -> Node.of(e.getKey(), e.getValue())).toList()).build();
    }

    private static Map<String, Double> sorted(Map<String, Double> weights) {
        if (weights == null) {
            throw new IllegalArgumentException("target must not be null");
        }
        Map<String, Double> out = new TreeMap<>(Node.ID_ORDER);
        out.putAll(weights);
        return out;
    }

    private static void checkInterrupted() throws InterruptedException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("resharding interrupted; run it again with the same target to resume");
        }
    }

    private void closeQuietly(Connection c) {
        open.remove(c);
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debug("closing a shard connection failed", e);
        }
    }

    /** Builds a {@link Resharder}. */
    public static final class Builder {
        private CatalogSpec catalog;
        private ShardTopology servers;
        private int batchSize = 2000;
        private Duration cleanupGrace = Duration.ofSeconds(2);
        private Duration fenceLockTimeout = Duration.ofSeconds(2);
        private ReshardListener listener = p -> { };

        private Builder() {
        }

        public Builder catalog(CatalogSpec catalog) {
            if (catalog == null) {
                throw new IllegalArgumentException("catalog must not be null");
            }
            this.catalog = catalog;
            return this;
        }

        /** Every shard that may take part (current and target), with its servers. */
        public Builder shards(ShardTopology shards) {
            if (shards == null) {
                throw new IllegalArgumentException("shards must not be null");
            }
            this.servers = shards;
            return this;
        }

        /** Rows per COPY batch (default 2000). */
        public Builder batchSize(int rows) {
            if (rows < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, was " + rows);
            }
            this.batchSize = rows;
            return this;
        }

        /**
         * How long after the last hand-over the old owners' copies are deleted (default 2 s): routers that have not
         * yet heard of the new epoch may still read them. Make it several catalog poll intervals.
         */
        public Builder cleanupGrace(Duration grace) {
            if (grace == null || grace.isNegative()) {
                throw new IllegalArgumentException("cleanupGrace must be >= 0, was " + grace);
            }
            this.cleanupGrace = grace;
            return this;
        }

        /** How long a cutover waits for in-flight write units before it backs off and retries (default 2 s). */
        public Builder fenceLockTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 1) {
                throw new IllegalArgumentException("fenceLockTimeout must be >= 1ms, was " + timeout);
            }
            this.fenceLockTimeout = timeout;
            return this;
        }

        public Builder listener(ReshardListener listener) {
            if (listener == null) {
                throw new IllegalArgumentException("listener must not be null");
            }
            this.listener = listener;
            return this;
        }

        public Resharder build() {
            if (catalog == null || servers == null) {
                throw new IllegalStateException("a resharder needs catalog(...) and shards(...)");
            }
            return new Resharder(this);
        }
    }
}
