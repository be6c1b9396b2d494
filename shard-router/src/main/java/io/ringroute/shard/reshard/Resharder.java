package io.ringroute.shard.reshard;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.RangeMove;
import io.ringroute.ring.RebalancePlan;
import io.ringroute.ring.TokenLayout;
import io.ringroute.ring.TokenRange;
import io.ringroute.shard.CatalogMove;
import io.ringroute.shard.CatalogSnapshot;
import io.ringroute.shard.CatalogSpec;
import io.ringroute.shard.MoveState;
import io.ringroute.shard.CatalogUnavailableException;
import io.ringroute.shard.DirectConnections;
import io.ringroute.shard.ServerSpec;
import io.ringroute.shard.ShardSpec;
import io.ringroute.shard.ShardTopology;
import io.ringroute.shard.ShardedTable;
import io.ringroute.shard.TopologyCatalog;
import io.ringroute.shard.WriteFence;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
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
 * new owner are taken in groups ({@link MoveGroup}: up to the batch size in rows and {@code rangesPerCutover}
 * ranges), and for each group the resharder
 * <ol>
 *   <li>copies its rows to the new owner with COPY (one statement for a small group, token-ordered batches for a
 *       large range) while writers go on (a trigger on the old owner logs the tokens they touch in leaving
 *       ranges);</li>
 *   <li>re-copies the logged tokens until few are left;</li>
 *   <li>fences the old owner ({@link WriteFence}: exclusive write-gate lock, minimum epoch raised), re-copies the
 *       last logged tokens, and hands the ranges over in the catalog (an epoch and a NOTIFY per range) before
 *       releasing the lock. Routers still on an older epoch are refused by the old owner and re-route.</li>
 * </ol>
 * Once the grace period after a group's hand-over has passed, its old owner's copies are deleted (while later
 * groups move); at the end a removed shard is checked empty and the target becomes the members. Reads are never
 * blocked. Every step is recorded in the catalog, so a run that dies is resumed by running again with the same
 * target.
 */
public final class Resharder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Resharder.class);
    private static final int CATCH_UP_ROUNDS = 10;
    private static final int CATCH_UP_TAIL = 20;
    private static final int CATCH_UP_BATCH = 5000;
    private static final int FENCE_ATTEMPTS = 5;
    private static final String APPLICATION_NAME = "ringroute-resharder";

    private final CatalogSpec catalogSpec;
    private final ShardTopology servers;
    private final int batchSize;
    private final int rangesPerCutover;
    private final Duration cleanupGrace;
    private final Duration fenceLockTimeout;
    private final Duration cutoverStepTimeout;
    private final ReshardListener listener;
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
            Map<String, Connection> shards = new HashMap<>();
            try {
                validate(snap, to, tables, shards);
                RebalancePlan plan = RebalancePlan.between(snap.ring(), snap.ringFor(to));
                Map<String, RowCopier> copiers = copiers(tables, connection(shards, snap.members().keySet()
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
                        total += c.count(connection(shards, shard));
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
        try (TopologyCatalog catalog = openCatalog()) {
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
                Run run = new Run(catalog, snap, tables, shards);
                try {
                    return run.execute();
                } catch (SQLException e) {
                    throw run.stoppedBy(e);
                }
            } finally {
                shards.values().forEach(this::closeQuietly);
            }
        }
    }

    private TopologyCatalog openCatalog() throws SQLException {
        return TopologyCatalog.connect(catalogSpec, APPLICATION_NAME, cutoverStepTimeout);
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
        private final Deque<HandedOver> toClean = new ArrayDeque<>();
        private final Map<Integer, Long> rows = new HashMap<>();     // by move index, counted at the start
        private final List<Duration> pauses = new ArrayList<>();
        private long epoch;
        private final long startNanos = System.nanoTime();
        private long rowsTotal;
        private long rowsCopied;
        private long rowsCaughtUp;
        private long rowsDeleted;
        private int rangesDone;
        private Map<String, RowCopier> copiers;
        private String step = "preparing";      // what the run does now, for the message if it fails

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
            step = "installing the write fences and change capture";
            Set<String> involved = new LinkedHashSet<>(members.keySet());
            involved.addAll(target.keySet());
            for (String shard : involved) {
                WriteFence.install(connection(shards, shard));
            }
            copiers = copiers(tables, connection(shards, members.keySet().iterator().next()));
            List<CatalogMove> open = moves.stream().filter(m -> !m.state().handedOver()).toList();
            long[] counts = rowsPerRange(copiers, shards, open.stream().map(CatalogMove::from).toList(),
                    open.stream().map(CatalogMove::range).toList());
            Map<String, List<Segments>> leaving = new LinkedHashMap<>();
            for (int i = 0; i < open.size(); i++) {
                CatalogMove m = open.get(i);
                rows.put(m.index(), counts[i]);
                rowsTotal += counts[i];
                leaving.computeIfAbsent(m.from(), k -> new ArrayList<>()).add(Segments.of(m.range()));
            }
            rangesDone = moves.size() - open.size();
            for (Map.Entry<String, List<Segments>> e : leaving.entrySet()) {
                ChangeCapture.install(connection(shards, e.getKey()), tables, e.getValue());
            }
            // handed over by an earlier run at an unknown time: the grace counts from now
            MoveGroup.handedOverNotCleaned(moves).forEach(g -> toClean.add(new HandedOver(g, System.nanoTime())));
            progress(ReshardProgress.Phase.MOVING);
            for (MoveGroup g : MoveGroup.plan(moves, rows, batchSize)) {
                checkInterrupted();
                move(g);
            }
            progress(ReshardProgress.Phase.CLEANING_UP);
            cleanUp(true);
            step = "ending change capture";
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
            step = "completing the resharding in the catalog";
            long finalEpoch = catalog.complete();
            progress(ReshardProgress.Phase.DONE);
            ReshardResult result = new ReshardResult(finalEpoch, rangesDone, rowsCopied, rowsCaughtUp, rowsDeleted,
                    Duration.ofNanos(System.nanoTime() - startNanos), pauses);
            LOG.info("resharding done at epoch {}: {} rows copied, {} re-copied, {} deleted, {} cutovers, longest"
                    + " fence {} ms", finalEpoch, rowsCopied, rowsCaughtUp, rowsDeleted, pauses.size(),
                    result.maxFencePause().toMillis());
            return result;
        }

        /** Copies a group in one pass, then hands it over a few ranges per cutover. */
        private void move(MoveGroup g) throws SQLException, InterruptedException {
            Connection from = connection(shards, g.from());
            Connection to = connection(shards, g.to());
            String ranges = g.size() + " range(s) from '" + g.from() + "' to '" + g.to() + "'";
            if (!g.fencing()) {
                step = "copying " + ranges;
                // PENDING, or copied partly by an interrupted run: start over on a clean target range
                for (RowCopier c : copiers.values()) {
                    c.delete(to, g.tokens(), batchSize);
                }
                ChangeCapture.discard(from, g.tokens());
                for (RowCopier c : copiers.values()) {
                    bulkCopy(c, from, to, g);
                }
                step = "catching up " + ranges;
                for (int round = 0; round < CATCH_UP_ROUNDS; round++) {
                    checkInterrupted();
                    if (catchUp(from, to, g.tokens()) <= CATCH_UP_TAIL) {
                        break;
                    }
                }
            }
            List<MoveGroup> cutovers = g.cutovers(rangesPerCutover);
            for (int i = 0; i < cutovers.size(); i++) {
                MoveGroup cut = cutovers.get(i);
                checkInterrupted();
                if (!cut.fencing()) {
                    if (i > 0) {
                        catchUp(from, to, cut.tokens());   // what changed during the earlier cutovers
                    }
                    for (CatalogMove m : cut.moves()) {
                        catalog.setMoveState(m.index(), MoveState.FENCING);
                    }
                }
                step = "cutting over " + cut.size() + " range(s) from '" + g.from() + "' to '" + g.to() + "'";
                handOver(cut, from, to);
                ChangeCapture.forget(from, cut.tokens());
                toClean.add(new HandedOver(cut, System.nanoTime()));
                rangesDone += cut.size();
                progress(ReshardProgress.Phase.MOVING);
                cleanUp(false);
            }
        }

        /** One COPY for a group within the batch size, else batches cut at token boundaries. */
        private void bulkCopy(RowCopier c, Connection from, Connection to, MoveGroup g)
                throws SQLException, InterruptedException {
            if (g.moves().stream().mapToLong(m -> rows.getOrDefault(m.index(), 0L)).sum() <= batchSize) {
                rowsCopied += c.copy(from, to, g.tokens());
                progress(ReshardProgress.Phase.MOVING);
                return;
            }
            for (long[] part : g.tokens().parts()) {
                long cursor = part[0];
                while (true) {
                    checkInterrupted();
                    long end = c.batchEnd(from, cursor, part[1], batchSize);
                    rowsCopied += c.copy(from, to, Segments.between(cursor, end));
                    progress(ReshardProgress.Phase.MOVING);
                    if (end == part[1]) {
                        break;
                    }
                    cursor = end + 1;
                }
            }
        }

        /** Re-copies the tokens the change log names; returns how many log entries it consumed. */
        private long catchUp(Connection from, Connection to, Segments tokens) throws SQLException {
            long consumed = 0;
            for (RowCopier c : copiers.values()) {
                ChangeCapture.Logged logged;
                do {
                    logged = ChangeCapture.next(from, c.table().name(), tokens, CATCH_UP_BATCH);
                    if (logged.isEmpty()) {
                        break;
                    }
                    rowsCaughtUp += c.replace(from, to, logged.tokens());
                    ChangeCapture.consume(from, logged);
                    consumed += logged.seqs().length;
                } while (logged.seqs().length == CATCH_UP_BATCH);
            }
            return consumed;
        }

        /**
         * The cutover: under the old owner's exclusive write-gate lock, raise its minimum epoch past the group's
         * hand-overs, drain the change log, and publish the hand-overs in the catalog; only then release the lock.
         * Nothing else happens while the lock is held.
         */
        private void handOver(MoveGroup g, Connection from, Connection to) throws SQLException, InterruptedException {
            Segments tokens = g.tokens();
            long floor = insertPosition(to);   // above every copy so far; read again only if the drain copies
            bound(from, true);
            bound(to, true);
            try {
                fence(g, from, to, tokens, floor);
            } catch (SQLException | InterruptedException | RuntimeException e) {
                unboundQuietly(from, e);
                unboundQuietly(to, e);
                throw e;
            }
            bound(from, false);
            bound(to, false);
        }

        private void unboundQuietly(Connection c, Exception failure) {
            try {
                if (!c.isClosed()) {
                    bound(c, false);
                }
            } catch (SQLException e) {
                failure.addSuppressed(e);
            }
        }

        /**
         * The failure of this run, saying which step it was in and which server failed (a lost shard connection
         * or the catalog), so that stopping the source, the target or the catalog do not all read the same.
         */
        SQLException stoppedBy(SQLException e) {
            String who = "";
            if (!isCatalogFailure(e)) {
                for (Map.Entry<String, Connection> s : shards.entrySet()) {
                    if (isBroken(s.getValue())) {
                        who = "the connection to shard '" + s.getKey() + "' primary " + servers.shard(s.getKey())
                                .map(sh -> sh.primary().redactedUrl()).orElse("?") + " failed: ";
                        break;
                    }
                }
            }
            return new SQLException("resharding stopped while " + step + ": " + who + e.getMessage()
                    + " (nothing is lost: run again with the same target, or `run --resume`, to resume)",
                    e.getSQLState(), e);
        }

        private static boolean isCatalogFailure(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof CatalogUnavailableException) {
                    return true;
                }
            }
            return false;
        }

        private static boolean isBroken(Connection c) {
            try {
                return c.isClosed() || !c.isValid(1);
            } catch (SQLException e) {
                return true;
            }
        }

        private void fence(MoveGroup g, Connection from, Connection to, Segments tokens, long floor)
                throws SQLException, InterruptedException {
            for (int attempt = 1; ; attempt++) {
                long start = System.nanoTime();
                if (lockGate(from)) {
                    try {
                        // one epoch per range (the catalog hands over one move per epoch): an interrupted group
                        // resumes as its FENCING moves and ends at this same epoch
                        WriteFence.raiseMinimumEpoch(from, epoch + g.size());
                        // writers are held: one pass empties the log of these ranges
                        if (catchUp(from, to, tokens) > 0) {
                            floor = insertPosition(to);
                        }
                        for (CatalogMove m : g.moves()) {
                            catalog.handOver(m.index(), epoch + 1, m.to(), floor);
                            epoch++;
                        }
                    } finally {
                        unlockGate(from);
                    }
                    pauses.add(Duration.ofNanos(System.nanoTime() - start));
                    return;
                }
                if (attempt == FENCE_ATTEMPTS) {
                    throw new IllegalStateException("could not fence shard '" + g.from() + "' in " + FENCE_ATTEMPTS
                            + " attempts: write units held its write gate longer than " + fenceLockTimeout.toMillis()
                            + " ms each time");
                }
                LOG.info("fencing {} timed out behind a long write unit; catching up and trying again", g.from());
                catchUp(from, to, tokens);
                checkInterrupted();
            }
        }

        /**
         * Bounds (or unbounds) every statement on a shard connection by the cutover step timeout, and makes the
         * server end the session when it sits idle that long, so a resharder that hangs inside a cutover releases
         * the write gate it holds.
         */
        private void bound(Connection c, boolean on) throws SQLException {
            long ms = on ? cutoverStepTimeout.toMillis() : 0;
            try (Statement st = c.createStatement()) {
                st.execute("SET statement_timeout = " + ms + "; SET idle_session_timeout = " + ms);
            }
        }

        /**
         * Takes the write gate exclusively, waiting at most the fence lock timeout, in one round trip: the three
         * statements run as one implicit transaction, so a timeout also rolls the {@code SET} back.
         */
        private boolean lockGate(Connection c) throws SQLException {
            try (Statement st = c.createStatement()) {
                st.execute("SET lock_timeout = '" + fenceLockTimeout.toMillis() + "ms'; SELECT pg_advisory_lock("
                        + WriteFence.LOCK_KEY + "); SET lock_timeout = 0");
                return true;
            } catch (SQLException e) {
                if ("55P03".equals(e.getSQLState()) || "57014".equals(e.getSQLState())) {   // lock or statement timeout
                    return false;
                }
                throw e;
            }
        }

        private void unlockGate(Connection c) throws SQLException {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_unlock(" + WriteFence.LOCK_KEY + ")");
            }
        }

        /**
         * Deletes the old owners' copies of handed-over ranges once routers have had the grace period to learn the
         * epochs; with {@code all}, waits for the last ones.
         */
        private void cleanUp(boolean all) throws SQLException, InterruptedException {
            while (!toClean.isEmpty()) {
                HandedOver h = toClean.peek();
                long wait = cleanupGrace.toNanos() - (System.nanoTime() - h.atNanos());
                if (wait > 0) {
                    if (!all) {
                        return;
                    }
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                checkInterrupted();
                String before = step;
                step = "deleting the old copies of " + h.group().size() + " range(s) on '" + h.group().from() + "'";
                Connection from = connection(shards, h.group().from());
                for (RowCopier c : copiers.values()) {
                    rowsDeleted += c.delete(from, h.group().tokens(), batchSize);
                }
                for (CatalogMove m : h.group().moves()) {
                    catalog.setMoveState(m.index(), MoveState.CLEANED);
                }
                toClean.remove();
                step = before;
            }
        }

        private void requireEmpty(String shard) throws SQLException {
            for (RowCopier c : copiers.values()) {
                long left = c.count(connection(shards, shard));
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

    /** A group handed over at {@code atNanos} ({@link System#nanoTime()}), its old copies not yet deleted. */
    private record HandedOver(MoveGroup group, long atNanos) {
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
            try {
                c = DirectConnections.open(p, APPLICATION_NAME);
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
            ChangeCapture.exempt(c);
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

    /**
     * The rows of each range on its shard ({@code from.get(i)} holds {@code ranges.get(i)}): one statement per
     * shard and table, not per range.
     */
    private long[] rowsPerRange(Map<String, RowCopier> copiers, Map<String, Connection> shards, List<String> from,
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
                long[] n = c.counts(connection(shards, e.getKey()), new Segments(parts));
                for (int p = 0; p < n.length; p++) {
                    out[owner.get(p)] += n[p];
                }
            }
        }
        return out;
    }

    private static long insertPosition(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
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
        private int rangesPerCutover = 2;
        private Duration cleanupGrace = Duration.ofSeconds(2);
        private Duration fenceLockTimeout = Duration.ofSeconds(2);
        private Duration cutoverStepTimeout = Duration.ofSeconds(5);
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

        /**
         * Rows per COPY batch and per delete statement (default 2000); ranges of one shard pair are copied
         * together up to this many rows.
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
         * (default 2). The fence is held for one catalog transaction per range, so more ranges save fences (and
         * the refusals each one causes) but lengthen each pause.
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
