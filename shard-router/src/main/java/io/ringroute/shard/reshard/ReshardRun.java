package io.ringroute.shard.reshard;

import io.ringroute.shard.WriteFence;
import io.ringroute.shard.catalog.CatalogMove;
import io.ringroute.shard.catalog.CatalogSnapshot;
import io.ringroute.shard.catalog.CatalogUnavailableException;
import io.ringroute.shard.catalog.MoveState;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.catalog.TopologyCatalog;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a resharding recorded in the catalog: per group of moves, copy, catch up and cut over
 * ({@link Cutover}), deleting the old copies once the grace period after each hand-over has passed; then check
 * removed shards empty and complete the resharding. Holds the run's counters for its progress and result.
 */
final class ReshardRun {

    private static final Logger LOG = LoggerFactory.getLogger(ReshardRun.class);
    private static final int CATCH_UP_ROUNDS = 10;
    private static final int CATCH_UP_TAIL = 20;
    private static final int CATCH_UP_BATCH = 5000;

    private final Resharder settings;
    private final TopologyCatalog catalog;
    private final List<ShardedTable> tables;
    private final ShardConnections shards;
    private final Cutover cutover;
    private final List<CatalogMove> moves;
    private final Map<String, Double> members;
    private final Map<String, Double> target;
    private final Deque<HandedOver> toClean = new ArrayDeque<>();
    private final Map<Integer, Long> rows = new HashMap<>();     // by move index, counted at the start
    private final List<Duration> pauses = new ArrayList<>();
    private final RowRate rate;
    private final int segmentRows;          // rows per COPY segment and per delete statement
    private long epoch;
    private final long startNanos = System.nanoTime();
    private long rowsTotal;
    private long rowsCopied;
    private long rowsCaughtUp;
    private long rowsDeleted;
    private int rangesDone;
    private Map<String, RowCopier> copiers;
    private String step = "preparing";      // what the run does now, for the message if it fails

    /** A group handed over at {@code atNanos} ({@link System#nanoTime()}), its old copies not yet deleted. */
    private record HandedOver(MoveGroup group, long atNanos) {
    }

    ReshardRun(Resharder settings, TopologyCatalog catalog, CatalogSnapshot snap, List<ShardedTable> tables,
               ShardConnections shards) {
        this.settings = settings;
        this.catalog = catalog;
        this.tables = tables;
        this.shards = shards;
        this.cutover = new Cutover(catalog, settings.fenceLockTimeout, settings.catalogSpec.leaseGrace(),
                settings.cutoverStepTimeout, this::catchUp);
        this.moves = snap.moves();
        this.members = snap.members();
        this.target = snap.target().orElseThrow();
        this.epoch = snap.epoch();
        this.rate = new RowRate(settings.maxRowsPerSecond, settings.clock);
        this.segmentRows = rate.segmentRows(settings.batchSize);
    }

    ReshardResult execute() throws SQLException, InterruptedException {
        progress(ReshardProgress.Phase.PREPARING);
        step = "installing the write fences and change capture";
        Set<String> involved = new LinkedHashSet<>(members.keySet());
        involved.addAll(target.keySet());
        for (String shard : involved) {
            WriteFence.install(shards.get(shard));
        }
        copiers = Resharder.copiers(tables, shards.get(members.keySet().iterator().next()));
        List<CatalogMove> open = moves.stream().filter(m -> !m.state().handedOver()).toList();
        long[] counts = Resharder.rowsPerRange(copiers, shards, open.stream().map(CatalogMove::from).toList(),
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
            ChangeCapture.install(shards.get(e.getKey()), tables, e.getValue());
        }
        // handed over by an earlier run at an unknown time: the grace counts from now
        MoveGroup.handedOverNotCleaned(moves).forEach(g -> toClean.add(new HandedOver(g, System.nanoTime())));
        progress(ReshardProgress.Phase.MOVING);
        for (MoveGroup g : MoveGroup.plan(moves, rows, settings.batchSize)) {
            checkInterrupted();
            move(g);
        }
        progress(ReshardProgress.Phase.CLEANING_UP);
        cleanUp(true);
        step = "ending change capture";
        Set<String> sources = new LinkedHashSet<>();
        moves.forEach(m -> sources.add(m.from()));
        for (String shard : sources) {
            ChangeCapture.uninstall(shards.get(shard), tables);
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
        Connection from = shards.get(g.from());
        Connection to = shards.get(g.to());
        String ranges = g.size() + " range(s) from '" + g.from() + "' to '" + g.to() + "'";
        if (!g.fencing()) {
            step = "copying " + ranges;
            // PENDING, or copied partly by an interrupted run: start over on a clean target range
            for (RowCopier c : copiers.values()) {
                delete(c, to, g.tokens());
            }
            ChangeCapture.discard(from, g.tokens());
            for (RowCopier c : copiers.values()) {
                bulkCopy(c, from, to, g);
            }
            step = "catching up " + ranges;
            for (int round = 0; round < CATCH_UP_ROUNDS; round++) {
                checkInterrupted();
                if (pacedCatchUp(from, to, g.tokens()) <= CATCH_UP_TAIL) {
                    break;
                }
            }
        }
        List<MoveGroup> cutovers = g.cutovers(settings.rangesPerCutover);
        for (int i = 0; i < cutovers.size(); i++) {
            MoveGroup cut = cutovers.get(i);
            checkInterrupted();
            if (!cut.fencing()) {
                if (i > 0) {
                    pacedCatchUp(from, to, cut.tokens());   // what changed during the earlier cutovers
                }
                catalog.setMoveState(indices(cut.moves()), MoveState.FENCING);
            }
            step = "cutting over " + cut.size() + " range(s) from '" + g.from() + "' to '" + g.to() + "'";
            pauses.add(cutover.handOver(cut, from, to, epoch));
            epoch += cut.size();
            ChangeCapture.forget(from, cut.tokens());
            toClean.add(new HandedOver(cut, System.nanoTime()));
            rangesDone += cut.size();
            progress(ReshardProgress.Phase.MOVING);
            cleanUp(false);
        }
    }

    /** One COPY for a group within the segment size, else segments of that many rows cut at token boundaries. */
    private void bulkCopy(RowCopier c, Connection from, Connection to, MoveGroup g)
            throws SQLException, InterruptedException {
        if (g.moves().stream().mapToLong(m -> rows.getOrDefault(m.index(), 0L)).sum() <= segmentRows) {
            copied(c.copy(from, to, g.tokens()));
            return;
        }
        for (long[] part : g.tokens().parts()) {
            long cursor = part[0];
            while (true) {
                checkInterrupted();
                long end = c.batchEnd(from, cursor, part[1], segmentRows);
                copied(c.copy(from, to, Segments.between(cursor, end)));
                if (end == part[1]) {
                    break;
                }
                cursor = end + 1;
            }
        }
    }

    private void copied(long n) throws InterruptedException {
        rowsCopied += n;
        progress(ReshardProgress.Phase.MOVING);
        rate.pace(n);
    }

    /** Deletes the rows of {@code tokens}, a segment per statement, at the run's pace; returns how many. */
    private long delete(RowCopier c, Connection shard, Segments tokens) throws SQLException, InterruptedException {
        long total = 0;
        long n;
        do {
            checkInterrupted();
            n = c.delete(shard, tokens, segmentRows);
            total += n;
            rate.pace(n);
        } while (n == segmentRows);
        return total;
    }

    /** {@link #catchUp} outside a fence: at the run's pace. */
    private long pacedCatchUp(Connection from, Connection to, Segments tokens)
            throws SQLException, InterruptedException {
        long before = rowsCaughtUp;
        long consumed = catchUp(from, to, tokens);
        rate.pace(rowsCaughtUp - before);
        return consumed;
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
     * The failure of this run, saying which step it was in and which server failed (a lost shard connection
     * or the catalog), so that stopping the source, the target or the catalog do not all read the same.
     */
    SQLException stoppedBy(SQLException e) {
        String who = isCatalogFailure(e) ? "" : shards.brokenShard();
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

    /**
     * Deletes the old owners' copies of handed-over ranges once routers have had the grace period to learn the
     * epochs, those of one old owner whose grace has passed together (up to {@link MoveGroup#MAX_RANGES_PER_COPY}
     * ranges); with {@code all}, waits for the last ones.
     */
    private void cleanUp(boolean all) throws SQLException, InterruptedException {
        long grace = settings.cleanupGrace.toNanos();
        while (!toClean.isEmpty()) {
            long wait = grace - (System.nanoTime() - toClean.peek().atNanos());
            if (wait > 0) {
                if (!all) {
                    return;
                }
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            checkInterrupted();
            MoveGroup first = toClean.remove().group();
            String source = first.from();
            List<CatalogMove> due = new ArrayList<>(first.moves());
            long now = System.nanoTime();
            for (Iterator<HandedOver> it = toClean.iterator(); it.hasNext(); ) {
                HandedOver h = it.next();
                if (now - h.atNanos() < grace || due.size() + h.group().size() > MoveGroup.MAX_RANGES_PER_COPY) {
                    break;
                }
                if (h.group().from().equals(source)) {
                    due.addAll(h.group().moves());
                    it.remove();
                }
            }
            String before = step;
            step = "deleting the old copies of " + due.size() + " range(s) on '" + source + "'";
            Connection from = shards.get(source);
            Segments tokens = Segments.of(due.stream().map(CatalogMove::range).toList());
            for (RowCopier c : copiers.values()) {
                rowsDeleted += delete(c, from, tokens);
            }
            catalog.setMoveState(indices(due), MoveState.CLEANED);
            step = before;
        }
    }

    private static List<Integer> indices(List<CatalogMove> moves) {
        return moves.stream().map(CatalogMove::index).toList();
    }

    private void requireEmpty(String shard) throws SQLException {
        for (RowCopier c : copiers.values()) {
            long left = c.count(shards.get(shard));
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
        settings.listener.onProgress(new ReshardProgress(phase, rangesDone, moves.size(), done, rowsTotal, rate,
                eta));
    }

    static void checkInterrupted() throws InterruptedException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("resharding interrupted; run it again with the same target to resume");
        }
    }
}
