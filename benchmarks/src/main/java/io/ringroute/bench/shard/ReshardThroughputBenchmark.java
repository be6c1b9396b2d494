package io.ringroute.bench.shard;

import io.ringroute.ring.TokenRange;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import io.ringroute.shard.reshard.ReshardPlan;
import io.ringroute.shard.reshard.Resharder;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * Resharding throughput against the physical limit, in one run on the same embedded servers: first the rows that
 * adding a third shard moves are copied with raw COPY (the source's {@code COPY ... TO STDOUT} streamed into the
 * target's {@code COPY ... FROM STDIN} of an identical table, text and binary), then the {@link Resharder} moves
 * the same rows (2 -> 3 shards, no writers), then, with writer threads running, it moves them back (3 -> 2) without
 * a rate limit and forward again (2 -> 3) with {@code maxRowsPerSecond}. Prints rows per second of each, the
 * resharder's share of the raw rate, the cutover pauses (write-gate holds) p50 / p99 / max, and the writers'
 * throughput and latency without resharding and during each resharding.
 *
 * <p>Arguments: [rows (default 500000)] [writer threads (default 4)] [rows per second of the limited run (default
 * 20000)] [ranges per cutover (default: the resharder's)].
 */
public final class ReshardThroughputBenchmark {

    private static final Duration CLEANUP_GRACE = Duration.ofSeconds(2);
    private static final int BASELINE_SECONDS = 5;
    private static final String COLUMNS = "k, v, payload, ring_token";

    private ReshardThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int writers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int limit = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        int rangesPerCutover = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        System.out.printf("load average at the start: %s%n", ReshardBenchmark.loadAverage());
        try (EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shardNames("shard-a", "shard-b",
                "shard-c").replicasPerShard(0).start()) {
            ShardTopology all = cluster.topology();
            ShardTopology two = all.withoutShard("shard-c");
            CatalogSpec catalog = Accounts.onTwoShardsWithCatalog(cluster, two, rows);
            Map<String, Double> three = Map.of("shard-a", 1.0, "shard-b", 1.0, "shard-c", 1.0);
            Map<String, Double> twoShards = Map.of("shard-a", 1.0, "shard-b", 1.0);
            ReshardPlan plan = resharder(catalog, all, rangesPerCutover, 0).build().plan(three);
            System.out.printf("%d rows (about 120 bytes) on 2 shards; adding shard-c moves %d rows in %d ranges%n",
                    rows, plan.rowsToMove(), plan.moves().size());

            double text = rawCopy(cluster, plan, false);
            double binary = rawCopy(cluster, plan, true);
            double raw = Math.max(text, binary);
            System.out.printf("raw COPY source -> shard-c: text %.0f rows/s, binary %.0f rows/s%n", text, binary);

            double quiet = reshard("resharder 2 -> 3, no writers", resharder(catalog, all, rangesPerCutover, 0),
                    three);
            System.out.printf("resharder / raw COPY: %.2fx%n", quiet / raw);

            try (ShardRouter r1 = ShardRouter.builder().topology(all).catalog(catalog).build();
                 ShardRouter r2 = ShardRouter.builder().topology(all).catalog(catalog).build()) {
                AccountWriters load = new AccountWriters(new ShardRouter[]{r1, r2}, writers, rows);
                load.start();
                Thread.sleep(2000);                                  // warm-up, not recorded
                load.recorder.getIntervalHistogram();
                Thread.sleep(BASELINE_SECONDS * 1000L);
                System.out.printf("writers, no resharding:          %s%n",
                        AccountWriters.describe(load.recorder.getIntervalHistogram(), BASELINE_SECONDS));
                underLoad(load, "resharder 3 -> 2, writers, no limit",
                        resharder(catalog, all, rangesPerCutover, 0), twoShards);
                underLoad(load, "resharder 2 -> 3, writers, " + limit + " rows/s",
                        resharder(catalog, all, rangesPerCutover, limit), three);
                load.stop();
                System.out.printf("write errors: %d%n", load.errors.get());
            }
        }
        System.out.printf("load average at the end: %s%n", ReshardBenchmark.loadAverage());
    }

    private static Resharder.Builder resharder(CatalogSpec catalog, ShardTopology all, int rangesPerCutover,
                                               int maxRowsPerSecond) {
        Resharder.Builder b = Resharder.builder().catalog(catalog).shards(all).cleanupGrace(CLEANUP_GRACE)
                .maxRowsPerSecond(maxRowsPerSecond);
        return rangesPerCutover > 0 ? b.rangesPerCutover(rangesPerCutover) : b;
    }

    private static void underLoad(AccountWriters load, String label, Resharder.Builder resharder,
                                  Map<String, Double> target) throws Exception {
        load.recorder.getIntervalHistogram();
        long start = System.nanoTime();
        reshard(label, resharder, target);
        Histogram during = load.recorder.getIntervalHistogram();
        System.out.printf("writers, during that resharding: %s%n",
                AccountWriters.describe(during, (System.nanoTime() - start) / 1e9));
    }

    /** Runs one resharding; prints it and returns its rows per second up to the last hand-over. */
    private static double reshard(String label, Resharder.Builder builder, Map<String, Double> target)
            throws Exception {
        ReshardTiming timing = new ReshardTiming();
        ReshardTiming.Figures figures = timing.of(builder.listener(timing).build().run(target));
        System.out.printf("%s: %s%n", label, figures.describe(CLEANUP_GRACE));
        return figures.rowsPerSecond();
    }

    /**
     * Copies the plan's moving rows from each source into a table like theirs on the new shard (its primary key and
     * token index included), one streamed COPY per source; returns rows per second over all sources.
     */
    private static double rawCopy(EmbeddedShardCluster cluster, ReshardPlan plan, boolean binary) throws Exception {
        Map<String, List<TokenRange>> bySource = new LinkedHashMap<>();
        for (ReshardPlan.PlannedMove m : plan.moves()) {
            bySource.computeIfAbsent(m.move().from().id(), k -> new ArrayList<>()).add(m.move().range());
        }
        String format = binary ? " WITH (FORMAT binary)" : "";
        try (Connection target = cluster.shard("shard-c").primary().connect()) {
            try (Statement st = target.createStatement()) {
                st.execute("CREATE TABLE accounts_raw (LIKE " + Accounts.TABLE + " INCLUDING ALL)");
            }
            long copied = 0;
            long start = System.nanoTime();
            for (Map.Entry<String, List<TokenRange>> e : bySource.entrySet()) {
                try (Connection source = cluster.shard(e.getKey()).primary().connect();
                     PGCopyOutputStream sink = new PGCopyOutputStream(target.unwrap(PGConnection.class),
                             "COPY accounts_raw (" + COLUMNS + ") FROM STDIN" + format)) {
                    source.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + COLUMNS + " FROM "
                            + Accounts.TABLE + " WHERE " + condition(e.getValue()) + ") TO STDOUT" + format, sink);
                    sink.endCopy();
                    copied += sink.getHandledRowCount();
                }
            }
            double rate = copied / ((System.nanoTime() - start) / 1e9);
            try (Statement st = target.createStatement()) {
                st.execute("DROP TABLE accounts_raw");
            }
            return rate;
        }
    }

    private static String condition(List<TokenRange> ranges) {
        StringBuilder b = new StringBuilder("false");
        for (TokenRange r : ranges) {
            for (TokenRange.Interval i : r.intervals()) {
                b.append(" OR ring_token BETWEEN ").append(i.lo()).append(" AND ").append(i.hi());
            }
        }
        return b.toString();
    }
}
