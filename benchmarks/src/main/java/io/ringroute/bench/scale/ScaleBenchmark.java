package io.ringroute.bench.scale;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.CacheStats;
import io.ringroute.cache.node.MaxSize;
import io.ringroute.demo.ClusterCache;
import io.ringroute.demo.DemoApp;
import io.ringroute.demo.DemoConfig;
import io.ringroute.demo.EmbeddedServers;
import io.ringroute.demo.RouterDatabase;
import io.ringroute.demo.WalInvalidation;
import io.ringroute.demo.ops.Seeder;
import io.ringroute.demo.social.Social;
import io.ringroute.shard.RouterMetrics;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.config.RouterConfig;
import java.sql.Connection;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The demo at scale (issue 14 item 1): its schema on embedded shards with streaming standbys, seeded through COPY
 * with a power-law follow graph and many posts, then its own service code ({@link Social}) driven by the load
 * generator's timeline-heavy mix from client threads. Reports seed time and disk, timeline latency, the cache hit
 * ratio, operations per second and each cache node's and shard's share of the operations.
 */
@Command(name = "scale", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Seed the demo at scale through COPY and drive its service code with the load mix.")
public final class ScaleBenchmark implements Callable<Integer> {
    /** How long a cache node may stay silent, or slow, before the client ejects it. */
    private static final Duration STALL_TOLERANCE = Duration.ofSeconds(10);

    @Option(names = "--users", defaultValue = "1000000", description = "Users (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--posts", defaultValue = "5000000", description = "Posts (default: ${DEFAULT-VALUE}).")
    long posts;

    @Option(names = "--followees", defaultValue = "20", description = "Mean followees per user (default: "
            + "${DEFAULT-VALUE}).")
    double followees;

    @Option(names = "--shards", defaultValue = "3", description = "Shards, each a primary and a standby (default: "
            + "${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--cache-nodes", defaultValue = "3", description = "Cache nodes (default: ${DEFAULT-VALUE}).")
    int cacheNodes;

    @Option(names = "--cache-entries", defaultValue = "1000000", description = "Entries each cache node holds at most"
            + " (default: ${DEFAULT-VALUE}).")
    int cacheEntries;

    @Option(names = "--active-users", description = "Users the load acts as, drawn at random (default: a tenth of"
            + " --users, at least 2).")
    Integer activeUsers;

    @Option(names = "--celebrity-threshold", description = "Followers from which posts are merged on read (default:"
            + " --users / 1000, at least the demo's 40).")
    Integer celebrityThreshold;

    @Option(names = "--threads", defaultValue = "8", description = "Client threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--rate", defaultValue = "0", description = "Total operations/s; 0 runs unpaced, as fast as the"
            + " machine goes (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--warmup", defaultValue = "30", description = "Seconds of load before measuring (default: "
            + "${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--seconds", defaultValue = "120", description = "Seconds measured (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--reshard-to", paramLabel = "SHARDS", description = "Instead of the load run: measure the load"
            + " before, during and after resharding onto this many shards (more than --shards), new ones started"
            + " with standbys; rows/s, cutover pauses, rows counted before and after.")
    Integer reshardTo;

    @Option(names = "--reshard-max-rows-per-second", defaultValue = "0", description = "With --reshard-to: the"
            + " resharder's rows-per-second limit; 0 unlimited (default: ${DEFAULT-VALUE}).")
    int reshardMaxRowsPerSecond;

    @Option(names = "--prewarm", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Read every active user's timeline once before the warm-up (default: on).")
    boolean prewarm;

    @Option(names = "--spread-hot-keys", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Spread hot keys' reads over their cache replicas, as the demo does (default: on).")
    boolean spreadHotKeys;

    @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Progress bars on stderr (default: on).")
    boolean progress;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command; the exit code (0 done, 1 failed, 2 bad options). */
    public static int run(String[] args) {
        CommandLine cli = new CommandLine(new ScaleBenchmark());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("scale: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        int active = activeUsers != null ? activeUsers : Math.max(2, users / 10);
        int threshold = celebrityThreshold != null ? celebrityThreshold : Math.max(40, users / 1000);
        check(users >= 2 && users <= 50_000_000, "--users must be 2 to 50,000,000, was " + users);
        check(posts >= 0, "--posts must be 0 or more, was " + posts);
        check(active >= 2 && active <= users, "--active-users must be 2 to --users, was " + active);
        check(threads >= 1 && threads <= 256, "--threads must be 1 to 256, was " + threads);
        check(rate >= 0, "--rate must be 0 or more, was " + rate);
        check(seconds >= 1 && warmupSeconds >= 0, "--seconds must be at least 1 and --warmup at least 0");
        check(cacheEntries >= 1, "--cache-entries must be at least 1, was " + cacheEntries);
        check(reshardTo == null || reshardTo > shards, "--reshard-to must be more than --shards, was " + reshardTo);
        check(reshardMaxRowsPerSecond >= 0, "--reshard-max-rows-per-second must be 0 or more, was "
                + reshardMaxRowsPerSecond);
        DemoConfig config = DemoConfig.builder().shards(shards).cacheNodes(cacheNodes).celebrityThreshold(threshold)
                .spreadHotKeyReads(spreadHotKeys).build();
        System.out.printf("scale run: %,d users, %,d posts, mean %.0f followees, %d shards (primary + standby,"
                        + " apply delay %d ms), %d cache nodes x %,d entries (R=%d, hot keys' reads %s), celebrity"
                        + " threshold %,d%n", users, posts, followees, shards, config.applyDelay().toMillis(),
                cacheNodes, cacheEntries, config.cacheReplicas(), spreadHotKeys ? "spread" : "to the primary",
                threshold);
        long t0 = System.nanoTime();
        FollowGraph graph = FollowGraph.generate(users, followees, seed);
        System.out.printf("follow graph: %,d follows (mean %.1f), Zipf exponent %.3f, top follower counts %s,"
                        + " generated in %.1f s%n", graph.edges(), (double) graph.edges() / users, graph.exponent(),
                Arrays.toString(graph.topFollowerCounts(5)), (System.nanoTime() - t0) / 1e9);
        List<String> ids = Seeder.ordinaryUsers(users);
        try (EmbeddedServers servers = EmbeddedServers.start(config, MaxSize.entries(cacheEntries))) {
            RouterConfig routerConfig = new RouterConfig(servers.topology(), RouterConfig.DEFAULT_REPLICA_POLL_INTERVAL,
                    Duration.ZERO, Optional.of(servers.catalog()));
            DemoApp.prepareShards(routerConfig);
            CacheCluster.Builder<byte[]> cacheBuilder = CacheCluster.builder()
                    .replicationFactor(config.cacheReplicas()).spreadHotKeyReads(config.spreadHotKeyReads())
                    // Every server here shares 2 cores with the clients (and, on a shared machine, with other
                    // builds): at a load average of 20 calls take 500 ms and the JVM stalls for seconds, and the
                    // default bounds (500 ms slow-call ejection, 2 s heartbeat) then eject healthy nodes in turn,
                    // whose keys miss until they rejoin. The run measures the demo's code, not those stalls.
                    .callTimeout(STALL_TOLERANCE).ejectSlowerThan(STALL_TOLERANCE, 3, STALL_TOLERANCE.multipliedBy(3));
            servers.cacheNodeAddresses().forEach(cacheBuilder::node);
            try (RouterDatabase db = new RouterDatabase(ShardRouter.builder().config(routerConfig).build());
                 CacheCluster<byte[]> cluster = cacheBuilder.build()) {
                seed(servers, db.router(), ids, graph);
                // Started after the bulk load, as the demo starts it before its own seeding: the COPY's rows are
                // not replayed as invalidations, and every later write is.
                try (WalInvalidation invalidation = WalInvalidation.start(cluster, servers.catalog().server(),
                        servers::topology)) {
                    CountingCache cache = new CountingCache(new ClusterCache(cluster));
                    Social social = new Social(db, cache, new ObjectMapper(), threshold,
                            config.profileTtl(), config.postTtl(), config.timelineTtl());
                    int[] acting = activeUsers(active);
                    List<String> actingIds = Arrays.stream(acting).mapToObj(ids::get).toList();
                    if (prewarm) {
                        try (ProgressBar bar = bar("prewarm", actingIds.size(), " timelines")) {
                            Prewarm.run(social, actingIds, threads, n -> {
                                if (bar != null) {
                                    bar.stepBy(n);
                                }
                            });
                        }
                    }
                    CelebrityProbe.run(social, graph, ids, acting, threshold).print(System.out);
                    if (reshardTo != null) {
                        return new ScaleReshard(this, servers, cluster, config, threshold, actingIds).run(reshardTo);
                    }
                    drive(social, actingIds, cluster, cache, db.router());
                }
            }
        }
        return 0;
    }

    private void seed(EmbeddedServers servers, ShardRouter router, List<String> ids, FollowGraph graph)
            throws Exception {
        CopySeeder seeder = CopySeeder.plan(ids, graph, posts, router, seed);
        Map<String, Connection> primaries = new LinkedHashMap<>();
        try {
            for (String shard : seeder.shards()) {
                primaries.put(shard, servers.shards().shard(shard).primary().connect());
            }
            long start = System.nanoTime();
            try (ProgressBar bar = bar("seeding (COPY)", seeder.rows(), " rows")) {
                seeder.copy(primaries, n -> {
                    if (bar != null) {
                        bar.stepBy(n);
                    }
                });
            }
            double copySeconds = (System.nanoTime() - start) / 1e9;
            long caughtUp = System.nanoTime();
            Standbys.awaitReplay(servers.shards().shards(), Duration.ofMinutes(30));
            double replaySeconds = (System.nanoTime() - caughtUp) / 1e9;
            System.out.printf("seeded %,d rows through COPY in %.1f s (%,.0f rows/s); standbys caught up %.1f s"
                            + " later%n", seeder.rows(), copySeconds, seeder.rows() / copySeconds, replaySeconds);
            System.out.println(Standbys.diskReport(servers.shards()));
        } finally {
            for (Connection c : primaries.values()) {
                c.close();
            }
        }
    }

    /** {@code active} distinct users, at random. */
    private int[] activeUsers(int active) {
        int[] all = new int[users];
        Random random = new Random(seed);
        for (int i = 0; i < users; i++) {
            int j = random.nextInt(i + 1);      // inside-out Fisher-Yates
            all[i] = all[j];
            all[j] = i;
        }
        return Arrays.copyOf(all, active);
    }

    private void drive(Social social, List<String> acting, CacheCluster<byte[]> cluster, CountingCache cache,
                       ShardRouter router) throws InterruptedException {
        System.out.printf("load: %d threads, %s, %,d active users, %d s warm-up then %d s measured%n", threads,
                rate == 0 ? "unpaced" : rate + " ops/s", acting.size(), warmupSeconds, seconds);
        ScaleLoad load = new ScaleLoad(social, acting, threads, rate);
        load.start(TimeUnit.SECONDS.toNanos(warmupSeconds), TimeUnit.SECONDS.toNanos(seconds), seed);
        CacheStats cacheBefore;
        Map<String, CountingCache.Tally> prefixesBefore;
        RouterMetrics routerBefore;
        try (ProgressBar bar = bar("load", warmupSeconds + seconds, " s")) {
            tick(bar, warmupSeconds);
            cacheBefore = cluster.stats();
            prefixesBefore = cache.snapshot();
            routerBefore = router.metrics();
            tick(bar, seconds);
        }
        ScaleLoad.Result result = load.finish();
        new ScaleReport(result, cacheBefore, cluster.stats(), routerBefore, router.metrics()).print(System.out);
        CountingCache.print(System.out, prefixesBefore, cache.snapshot());
    }

    private static void tick(ProgressBar bar, int seconds) throws InterruptedException {
        for (int i = 0; i < seconds; i++) {
            Thread.sleep(1000);
            if (bar != null) {
                bar.step();
            }
        }
    }

    private ProgressBar bar(String task, long total, String unit) {
        if (!progress) {
            return null;
        }
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).setUnit(unit, 1).build();
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
