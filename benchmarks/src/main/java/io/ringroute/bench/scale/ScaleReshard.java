package io.ringroute.bench.scale;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringroute.bench.shard.ReshardBenchmark;
import io.ringroute.bench.shard.ReshardTiming;
import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.CacheStats;
import io.ringroute.demo.ClusterCache;
import io.ringroute.demo.DemoConfig;
import io.ringroute.demo.EmbeddedServers;
import io.ringroute.demo.RouterDatabase;
import io.ringroute.demo.ops.LoadGenerator.Operation;
import io.ringroute.demo.social.Schema;
import io.ringroute.demo.social.Social;
import io.ringroute.shard.RouterMetrics;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.reshard.ReshardProgress;
import io.ringroute.shard.reshard.ReshardResult;
import io.ringroute.shard.reshard.Resharder;
import java.sql.Connection;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;

/**
 * The scale run's data resharded onto more shards under load (issue 14 item 3, 3 -> 4 by default): new embedded
 * shards (a primary and a streaming standby each, as the run's own) join through the {@link Resharder} while the
 * demo's timeline-heavy mix ({@link ScaleLoad}) runs against a router that knows them. The load is measured before
 * the resharding, during it and after it, in slices of a few seconds ({@link ScaleLoad} measures a fixed span, and
 * the resharding's length is not known in advance); rows are counted on every shard with the load stopped before
 * and after ({@link ShardRows}). Reports rows per second, the cutover pauses p50 / p99 / max, the timeline
 * latency of each phase and whether every row is accounted for.
 */
final class ScaleReshard {

    private static final long SLICE_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final Duration CLEANUP_GRACE = Duration.ofSeconds(2);

    private final ScaleBenchmark options;
    private final EmbeddedServers servers;
    private final CacheCluster<byte[]> cache;
    private final DemoConfig config;
    private final int celebrityThreshold;
    private final List<String> acting;
    private int slices;

    ScaleReshard(ScaleBenchmark options, EmbeddedServers servers, CacheCluster<byte[]> cache, DemoConfig config,
                 int celebrityThreshold, List<String> acting) {
        this.options = options;
        this.servers = servers;
        this.cache = cache;
        this.config = config;
        this.celebrityThreshold = celebrityThreshold;
        this.acting = acting;
    }

    /** Reshards onto {@code shards} shards under load; 0 if every row is accounted for after it, else 1. */
    int run(int shards) throws Exception {
        String loadAtStart = ReshardBenchmark.loadAverage();
        Map<String, Double> target;
        try (Resharder r = Resharder.builder().catalog(servers.catalog()).shards(servers.topology()).build()) {
            target = new TreeMap<>(r.currentMembers());
        }
        int from = target.size();
        for (int i = servers.shards().shards().size(); target.size() < shards; i++) {
            EmbeddedShard shard = servers.shards().addShard("shard-" + i);
            try (Connection c = shard.primary().connect()) {
                Schema.apply(c);
            }
            target.put(shard.name(), 1.0);
        }
        ShardTopology all = servers.topology();
        System.out.printf("resharding %d -> %d shards under load: started %s (primary + standby); load: %d threads,"
                        + " %s, %,d active users, %d s warm-up, %d s measured before and after, slices of %d s%n",
                from, shards, target.keySet(), options.threads, options.rate == 0 ? "unpaced"
                        : options.rate + " ops/s", acting.size(), options.warmupSeconds, options.seconds,
                TimeUnit.NANOSECONDS.toSeconds(SLICE_NANOS));
        ExecutorService background = Executors.newSingleThreadExecutor();
        try (RouterDatabase db = new RouterDatabase(ShardRouter.builder().topology(all).catalog(servers.catalog())
                .build())) {
            Social social = new Social(db, new ClusterCache(cache), new ObjectMapper(), celebrityThreshold,
                    config.profileTtl(), config.postTtl(), config.timelineTtl());
            measure(social, db.router(), null, forSeconds(options.warmupSeconds), null);
            ScaleLoad.Result before = measure(social, db.router(), "before the resharding",
                    forSeconds(options.seconds), null);
            ShardRows rowsBefore = ShardRows.read(servers.shards());

            ReshardTiming timing = new ReshardTiming();
            AtomicReference<ReshardProgress> progress = new AtomicReference<>();
            Resharder resharder = Resharder.builder().catalog(servers.catalog()).shards(all)
                    .cleanupGrace(CLEANUP_GRACE).maxRowsPerSecond(options.reshardMaxRowsPerSecond).listener(p -> {
                        timing.onProgress(p);
                        progress.set(p);
                    }).build();
            Future<ReshardResult> resharding = background.submit(() -> resharder.run(target));
            ScaleLoad.Result during = measure(social, db.router(), "during the resharding", resharding::isDone,
                    progress);
            ReshardTiming.Figures figures = timing.of(result(resharding));
            ScaleLoad.Result after = measure(social, db.router(), "after the resharding", forSeconds(options.seconds),
                    null);
            ShardRows rowsAfter = ShardRows.read(servers.shards());
            return summary(from, shards, figures, before, during, after, rowsBefore, rowsAfter, loadAtStart);
        } finally {
            background.shutdownNow();
        }
    }

    /**
     * Runs the load in slices until {@code done}, merging what they measured; prints the phase's report (as the
     * scale run prints its own) unless {@code label} is null, and one line per slice if {@code progress} is given.
     */
    private ScaleLoad.Result measure(Social social, ShardRouter router, String label, BooleanSupplier done,
                                     AtomicReference<ReshardProgress> progress) throws InterruptedException {
        CacheStats cacheBefore = cache.stats();
        RouterMetrics routerBefore = router.metrics();
        long start = System.nanoTime();
        Map<Operation, Histogram> latency = new EnumMap<>(Operation.class);
        for (Operation op : Operation.values()) {
            latency.put(op, new Histogram(3));
        }
        long ops = 0;
        long errors = 0;
        String firstError = null;
        double seconds = 0;
        do {
            long sliceStart = System.nanoTime();
            ScaleLoad load = new ScaleLoad(social, acting, options.threads, options.rate);
            load.start(0, SLICE_NANOS, options.seed + slices++);
            ScaleLoad.Result slice = load.finish();
            slice.latency().forEach((op, h) -> latency.get(op).add(h));
            ops += slice.ops();
            errors += slice.errors();
            firstError = firstError == null ? slice.firstError() : firstError;
            seconds += slice.seconds();
            if (progress != null) {
                Histogram timeline = slice.latency().get(Operation.TIMELINE);
                System.out.printf("  [%5.0f s] %6.1f ops/s, timeline p99 %7.1f ms, %d errors; %s%n",
                        (System.nanoTime() - start) / 1e9, slice.ops() / ((System.nanoTime() - sliceStart) / 1e9),
                        millis(timeline, 99), slice.errors(), progress.get() == null ? "resharding: preparing"
                                : progress.get());
            }
        } while (!done.getAsBoolean());
        // Operations per second over the phase's wall time: a slice ends only once its slowest operation has.
        double wall = (System.nanoTime() - start) / 1e9;
        ScaleLoad.Result merged = new ScaleLoad.Result(latency, ops, errors, firstError, wall);
        if (label != null) {
            System.out.printf("%n== %s (%.0f s of load in %.0f s) ==%n", label, seconds, wall);
            new ScaleReport(merged, cacheBefore, cache.stats(), routerBefore, router.metrics()).print(System.out);
        }
        return merged;
    }

    private int summary(int from, int to, ReshardTiming.Figures figures, ScaleLoad.Result before,
                        ScaleLoad.Result during, ScaleLoad.Result after, ShardRows rowsBefore, ShardRows rowsAfter,
                        String loadAtStart) {
        System.out.printf("%n== resharding %d -> %d under load, %s ==%n%s%n", from, to,
                options.reshardMaxRowsPerSecond == 0 ? "no rows-per-second limit"
                        : String.format("at most %,d rows/s", options.reshardMaxRowsPerSecond),
                figures.describe(CLEANUP_GRACE));
        System.out.println("phase        ops/s   errors  timeline p50 ms  p99 ms  p99.9 ms  max ms");
        printPhase("before", before);
        printPhase("during", during);
        printPhase("after", after);
        System.out.printf("rows before (load stopped): %s%nrows after (load stopped):  %s%n", rowsBefore.describe(),
                rowsAfter.describe());
        boolean usersKept = rowsBefore.total("users") == rowsAfter.total("users");
        List<String> disagree = rowsAfter.disagreements();
        System.out.printf("users (never written by the load): %,d before, %,d after: %s%n", rowsBefore.total("users"),
                rowsAfter.total("users"), usersKept ? "equal" : "DIFFERENT");
        System.out.printf("counters agree with the rows on every shard: before %s, after %s%n",
                rowsBefore.disagreements().isEmpty() ? "yes" : "NO " + rowsBefore.disagreements(),
                disagree.isEmpty() ? "yes" : "NO " + disagree);
        System.out.printf("load average: %s at the start, %s at the end%n", loadAtStart, ReshardBenchmark.loadAverage());
        return usersKept && disagree.isEmpty() ? 0 : 1;
    }

    private static void printPhase(String phase, ScaleLoad.Result r) {
        Histogram t = r.latency().get(Operation.TIMELINE);
        System.out.printf("%-8s %9.1f %8d %16.2f %7.2f %9.2f %7.2f%n", phase, r.opsPerSecond(), r.errors(),
                millis(t, 50), millis(t, 99), millis(t, 99.9), t.getTotalCount() == 0 ? 0 : t.getMaxValue() / 1e3);
    }

    private static BooleanSupplier forSeconds(int seconds) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        return () -> System.nanoTime() - end >= 0;
    }

    private static ReshardResult result(Future<ReshardResult> resharding) throws Exception {
        try {
            return resharding.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
    }
}
