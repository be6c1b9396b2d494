package io.ringroute.bench.shard;

import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import io.ringroute.shard.reshard.ReshardResult;
import io.ringroute.shard.reshard.Resharder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Online resharding under write load: adds a third shard to two holding {@code rows} rows while writer threads
 * (split over two routers) update and insert rows through the routers. Prints the rows per second moved, the
 * cutover pauses (write-gate holds) and the writers' latency percentiles during the resharding next to the same
 * writers without resharding.
 *
 * <p>Arguments: [rows (default 200000)] [writer threads (default 4)] [baseline seconds (default 10)] [ranges per
 * cutover (default 2, as the resharder's)] [{@code leases}: the routers take write leases (shard-router README,
 * "Write leases"), so every cutover has them release theirs first].
 */
public final class ReshardBenchmark {

    private static final Duration CLEANUP_GRACE = Duration.ofSeconds(2);

    private ReshardBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int writers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int baselineSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int rangesPerCutover = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        boolean leases = args.length > 4 && args[4].equals("leases");
        String loadAtStart = loadAverage();
        try (EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shardNames("shard-a", "shard-b",
                "shard-c").replicasPerShard(0).start()) {
            ShardTopology all = cluster.topology();
            ShardTopology two = all.withoutShard("shard-c");
            long loadStart = System.nanoTime();
            CatalogSpec catalog = Accounts.onTwoShardsWithCatalog(cluster, two, rows);
            System.out.printf("preloaded %d rows (about 120 bytes each) on 2 shards in %.1f s%n", rows,
                    (System.nanoTime() - loadStart) / 1e9);
            CatalogSpec routers = catalog.withWriteLeases(leases);
            try (ShardRouter r1 = ShardRouter.builder().topology(all).catalog(routers).build();
                 ShardRouter r2 = ShardRouter.builder().topology(all).catalog(routers).build()) {
                AccountWriters load = new AccountWriters(new ShardRouter[]{r1, r2}, writers, rows);
                load.start();
                Thread.sleep(2000);                                  // warm-up, not recorded
                load.recorder.getIntervalHistogram();
                Thread.sleep(baselineSeconds * 1000L);
                Histogram baseline = load.recorder.getIntervalHistogram();

                ReshardTiming timing = new ReshardTiming();
                Resharder resharder = Resharder.builder().catalog(catalog).shards(all)
                        .rangesPerCutover(rangesPerCutover).cleanupGrace(CLEANUP_GRACE).listener(timing).build();
                ReshardResult result = resharder.run(Map.of("shard-a", 1.0, "shard-b", 1.0, "shard-c", 1.0));
                ReshardTiming.Figures figures = timing.of(result);
                Histogram during = load.recorder.getIntervalHistogram();
                load.stop();

                double runSeconds = result.duration().toMillis() / 1000.0;
                System.out.printf("resharding 2 -> 3 shards%s: %s; Resharder.run's own duration %.1f s (%.0f rows/s)%n",
                        leases ? " (routers with write leases)" : "", figures.describe(CLEANUP_GRACE), runSeconds,
                        figures.rowsMoved() / runSeconds);
                print("writers, no resharding ", baseline, baselineSeconds);
                print("writers, during resharding", during, figures.totalSeconds());
                System.out.printf("write errors: %d%n", load.errors.get());
                System.out.printf("load average: %s at the start, %s at the end%n", loadAtStart, loadAverage());
            }
        }
    }

    /** The 1, 5 and 15 minute load averages (Linux), to tell a quiet run from a noisy one. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void print(String label, Histogram h, double seconds) {
        System.out.printf("%s: %s%n", label, AccountWriters.describe(h, seconds));
    }
}
