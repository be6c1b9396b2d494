package io.ringroute.shard.reshard;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.RangeMove;
import io.ringroute.ring.RebalancePlan;
import io.ringroute.ring.TokenLayout;
import io.ringroute.ring.TokenRange;
import io.ringroute.shard.catalog.CatalogSnapshot;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ShardTopology;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves rows online when shards are added, removed or reweighted. The ring's {@link RebalancePlan} between the
 * catalog's current members and the target names the token ranges that change owner. Ranges with the same old and
 * new owner are taken in groups ({@link MoveGroup}: up to the batch size in rows and 64 ranges), and for each
 * group the resharder
 * <ol>
 *   <li>copies its rows to the new owner with COPY, streamed from the old owner's {@code COPY TO} straight into
 *       the new owner's {@code COPY FROM} (one statement for a group within the batch size, token-ordered segments
 *       of that many rows for a larger range) while writers go on (a trigger on the old owner logs the tokens they
 *       touch in leaving ranges);</li>
 *   <li>re-copies the logged tokens until few are left;</li>
 *   <li>per {@code rangesPerCutover} ranges, fences the old owner ({@link WriteFence}: exclusive write-gate lock,
 *       minimum epoch raised), re-copies the last logged tokens, and hands the ranges over in the catalog (one
 *       transaction, an epoch per range, one NOTIFY) before releasing the lock. Routers still on an older epoch
 *       are refused by the old owner and re-route.</li>
 * </ol>
 * Once the grace period after a group's hand-over has passed, its old owner's copies are deleted (while later
 * groups move); at the end a removed shard is checked empty and the target becomes the members. Reads are never
 * blocked. Every step is recorded in the catalog, so a run that dies is resumed by running again with the same
 * target.
 *
 * <p>Every transaction in which the resharder writes rows on a shard (a copy, a re-copy, a clean-up) starts with a
 * logical decoding message with the prefix {@link #INVALIDATION_MARKER}: those writes change no value a reader
 * can see, so a WAL cache invalidator may skip them (the cache-invalidator's {@code skipMarked}).
 *
 * <p>A facade over one {@link ReshardRun} per call, its {@link Cutover}s and its {@link ShardConnections}.
 */
public final class Resharder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Resharder.class);

    /**
     * The prefix of the transactional {@code pg_logical_emit_message} that opens each of the resharder's row-writing
     * transactions on a shard: copies to the new owner before it owns the rows, and deletes of copies nobody routes
     * to. None changes a value readers see through the router, so cache invalidation may skip them.
     */
    public static final String INVALIDATION_MARKER = "ringroute.reshard";

    final CatalogSpec catalogSpec;
    private final ShardTopology servers;
    final int batchSize;
    final int rangesPerCutover;
    final Duration cleanupGrace;
    final Duration fenceLockTimeout;
    final Duration cutoverStepTimeout;
    final ReshardListener listener;
    final int maxRowsPerSecond;
    final RowRate.Clock clock;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private Resharder(Builder b) {
        this.catalogSpec = b.catalog;
        this.servers = b.servers;
        this.batchSize = b.batchSize;
        this.rangesPerCutover = b.rangesPerCutover;
        this.cleanupGrace = b.cleanupGrace;
        this.fenceLockTimeout = b.fenceLockTimeout;
        this.cutoverStepTimeout = b.cutoverStepTimeout;
        this.listener = b.listener;
        this.maxRowsPerSecond = b.maxRowsPerSecond;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The shard weights the catalog records now (the members of the current epoch). */
    public Map<String, Double> currentMembers() throws SQLException {
        try (TopologyCatalog catalog = openCatalog()) {
            return catalog.snapshot().members();
        }
    }

    /** The dry run: the moves from the catalog's members to {@code target} and the rows each would move. */
    public ReshardPlan plan(Map<String, Double> target) throws SQLException {
        Map<String, Double> to = sorted(target);
        try (TopologyCatalog catalog = openCatalog()) {
            CatalogSnapshot snap = catalog.snapshot();
            List<ShardedTable> tables = catalog.tables();
            try (ShardConnections shards = shards()) {
                validate(snap, to, tables, shards);
                RebalancePlan plan = RebalancePlan.between(snap.ring(), snap.ringFor(to));
                Map<String, RowCopier> copiers = copiers(tables, shards.get(snap.members().keySet()
                        .iterator().next()));
                long[] rows = rowsPerRange(copiers, shards, plan.moves().stream().map(m -> m.from().id()).toList(),
                        plan.moves().stream().map(RangeMove::range).toList());
                List<ReshardPlan.PlannedMove> moves = new ArrayList<>();
                for (int i = 0; i < rows.length; i++) {
                    moves.add(new ReshardPlan.PlannedMove(plan.moves().get(i), rows[i]));
                }
                long total = 0;
                for (String shard : snap.members().keySet()) {
                    for (RowCopier c : copiers.values()) {
                        total += c.count(shards.get(shard));
                    }
                }
                return new ReshardPlan(snap.members(), to, moves, plan.movedFraction(), total);
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
        try (TopologyCatalog catalog = openCatalog()) {
            if (!catalog.tryLockResharder()) {
                throw new IllegalStateException("another resharder is running against the catalog at "
                        + catalogSpec.server().redactedUrl());
            }
            CatalogSnapshot snap = catalog.snapshot();
            List<ShardedTable> tables = catalog.tables();
            try (ShardConnections shards = shards()) {
                if (snap.target().isEmpty()) {
                    validate(snap, to, tables, shards);
                    Optional<TokenLayout> targetLayout = snap.layoutFor(to);
                    HashRing targetRing = targetLayout.isPresent()
                            ? HashRing.builder().layout(targetLayout.get()).build() : snap.ringFor(to);
                    RebalancePlan plan = RebalancePlan.between(snap.ring(), targetRing);
                    catalog.beginResharding(to, targetLayout, plan.moves());
                    LOG.info("resharding {} -> {}: {} ranges, {}% of the ring", snap.members(), to,
                            plan.moves().size(), String.format("%.2f", 100 * plan.movedFraction()));
                    snap = catalog.snapshot();
                } else if (!sorted(snap.target().get()).equals(to)) {
                    throw new IllegalStateException("an unfinished resharding to " + snap.target().get()
                            + " is recorded in the catalog: run it again with that target to resume it");
                } else {
                    LOG.info("resuming the resharding {} -> {}", snap.members(), to);
                }
                ReshardRun run = new ReshardRun(this, catalog, snap, tables, shards);
                try {
                    return run.execute();
                } catch (SQLException e) {
                    throw run.stoppedBy(e);
                }
            }
        }
    }

    private TopologyCatalog openCatalog() throws SQLException {
        return TopologyCatalog.connect(catalogSpec, ShardConnections.APPLICATION_NAME, cutoverStepTimeout);
    }

    private ShardConnections shards() {
        return new ShardConnections(servers, open, () -> closed);
    }

    /** Aborts a running {@link #run} by closing its connections (as a crash would); the catalog keeps its state. */
    @Override
    public void close() {
        closed = true;
        open.forEach(c -> ShardConnections.closeQuietly(open, c));
    }

    // ---- shared helpers ------------------------------------------------------------------------------------

    private void validate(CatalogSnapshot snap, Map<String, Double> target, List<ShardedTable> tables,
                          ShardConnections shards) throws SQLException {
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
            Connection c = shards.get(shard);
            for (ShardedTable t : tables) {
                t.requirePresent(c, shard);
            }
        }
    }

    static Map<String, RowCopier> copiers(List<ShardedTable> tables, Connection any) throws SQLException {
        Map<String, RowCopier> out = new LinkedHashMap<>();
        for (ShardedTable t : tables) {
            out.put(t.name(), RowCopier.of(t, any));
        }
        return out;
    }

    /**
     * The rows of each range on its shard ({@code from.get(i)} holds {@code ranges.get(i)}): one statement per
     * shard and table, not per range.
     */
    static long[] rowsPerRange(Map<String, RowCopier> copiers, ShardConnections shards, List<String> from,
                               List<TokenRange> ranges) throws SQLException {
        long[] out = new long[ranges.size()];
        Map<String, List<Integer>> byShard = new LinkedHashMap<>();
        for (int i = 0; i < ranges.size(); i++) {
            byShard.computeIfAbsent(from.get(i), k -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<String, List<Integer>> e : byShard.entrySet()) {
            List<long[]> parts = new ArrayList<>();
            List<Integer> owner = new ArrayList<>();     // the range of each part
            for (int i : e.getValue()) {
                for (long[] p : Segments.of(ranges.get(i)).parts()) {
                    parts.add(p);
                    owner.add(i);
                }
            }
            for (RowCopier c : copiers.values()) {
                long[] n = c.counts(shards.get(e.getKey()), new Segments(parts));
                for (int p = 0; p < n.length; p++) {
                    out[owner.get(p)] += n[p];
                }
            }
        }
        return out;
    }

    private static Map<String, Double> sorted(Map<String, Double> weights) {
        if (weights == null) {
            throw new IllegalArgumentException("target must not be null");
        }
        Map<String, Double> out = new TreeMap<>(Node.ID_ORDER);
        out.putAll(weights);
        return out;
    }

    /** Builds a {@link Resharder}. */
    public static final class Builder {
        private CatalogSpec catalog;
        private ShardTopology servers;
        private int batchSize = 100_000;
        private int rangesPerCutover = 16;
        private Duration cleanupGrace = Duration.ofSeconds(2);
        private Duration fenceLockTimeout = Duration.ofSeconds(2);
        private Duration cutoverStepTimeout = Duration.ofSeconds(5);
        private ReshardListener listener = p -> { };
        private int maxRowsPerSecond;
        private RowRate.Clock clock = RowRate.Clock.SYSTEM;

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

        /**
         * Rows per COPY segment and per delete statement (default 100,000); ranges of one shard pair are copied
         * together up to this many rows. Each segment streams from the old owner's {@code COPY TO} straight into
         * the new owner's {@code COPY FROM} in one transaction of the new owner.
         */
        public Builder batchSize(int rows) {
            if (rows < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, was " + rows);
            }
            this.batchSize = rows;
            return this;
        }

        /**
         * At most this many ranges (of one old and new owner, copied together) are handed over under one fence
         * (default 16). The catalog hands them over in one transaction, so more ranges save fences (and the
         * refusals each one causes); each pause grows only by the changes writers made to those ranges since the
         * last catch-up.
         */
        public Builder rangesPerCutover(int ranges) {
            if (ranges < 1) {
                throw new IllegalArgumentException("rangesPerCutover must be >= 1, was " + ranges);
            }
            this.rangesPerCutover = ranges;
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

        /**
         * The bound on every step inside a cutover (default 5 s): each statement on the old and new owner and
         * each catalog transaction gets it as statement and lock timeout, and the old owner's server ends the
         * resharder's session (releasing the write gate) when it sits idle that long inside a cutover, as it does
         * when the resharder hangs or is stopped. Writers then resume, or, if the old owner's minimum epoch was
         * already raised, are refused until the run is resumed.
         */
        public Builder cutoverStepTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 1) {
                throw new IllegalArgumentException("cutoverStepTimeout must be >= 1ms, was " + timeout);
            }
            this.cutoverStepTimeout = timeout;
            return this;
        }

        /**
         * At most this many rows per second copied, re-copied and deleted, to leave the shards' CPU and disk to
         * foreground writers (default 0: unlimited). The copy then goes in segments of a tenth of a second's rows;
         * the re-copy under a cutover's fence is never slowed.
         */
        public Builder maxRowsPerSecond(int rows) {
            if (rows < 0) {
                throw new IllegalArgumentException("maxRowsPerSecond must be >= 0 (0: unlimited), was " + rows);
            }
            this.maxRowsPerSecond = rows;
            return this;
        }

        /** The clock the rows-per-second limit reads and sleeps on (tests). */
        Builder clock(RowRate.Clock clock) {
            this.clock = clock;
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
