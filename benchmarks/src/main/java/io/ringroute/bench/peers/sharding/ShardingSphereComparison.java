package io.ringroute.bench.peers.sharding;

import com.zaxxer.hikari.HikariDataSource;
import io.ringroute.bench.shard.ReshardBenchmark;
import io.ringroute.ring.HashRing;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * ShardingSphere-JDBC 5.5.2 next to ringroute's shard router and bare HikariCP, in one run, on the same embedded
 * PostgreSQL 17 shards (each with a streaming standby that applies commits a fixed delay late), the same rows and the
 * same session workload: read and write latency, reads served by standbys, stale reads of a session's own writes.
 * Then a third shard is added: the rows each system must move, and how (ShardingSphere-JDBC offline with the writers
 * stopped, ringroute online with its resharder while writers keep writing).
 */
@Command(name = "sharding-sphere-comparison", mixinStandardHelpOptions = true,
        description = "ShardingSphere-JDBC 5.5.2 vs ringroute's ShardRouter vs bare HikariCP on embedded PostgreSQL"
                + " shards with lagging standbys; then 2 -> 3 shards under each. Starts and stops every server it"
                + " uses; progress on stderr, report and summary table on stdout.")
public final class ShardingSphereComparison implements Callable<Integer> {

    static final List<String> SHARDS = List.of("shard-0", "shard-1", "shard-2");

    @Option(names = "--sessions", defaultValue = "600", description = "sessions per system (default ${DEFAULT-VALUE})")
    int sessions;
    @Option(names = "--concurrency", defaultValue = "16",
            description = "concurrent sessions (default ${DEFAULT-VALUE})")
    int concurrency;
    @Option(names = "--rounds", defaultValue = "3",
            description = "the sessions are split into this many rounds, each running every system in turn, so that"
                    + " machine noise falls on all alike (default ${DEFAULT-VALUE})")
    int rounds;
    @Option(names = "--apply-delay-ms", defaultValue = "300",
            description = "standby replay delay (default ${DEFAULT-VALUE})")
    long applyDelayMillis;
    @Option(names = "--think-ms", defaultValue = "25",
            description = "mean think time between requests (default ${DEFAULT-VALUE})")
    double thinkMillis;
    @Option(names = "--rows", defaultValue = "100000",
            description = "rows on 2 shards before the third is added (default ${DEFAULT-VALUE})")
    int rows;
    @Option(names = "--writers", defaultValue = "4",
            description = "writer threads while resharding (default ${DEFAULT-VALUE})")
    int writers;
    @Option(names = "--baseline-seconds", defaultValue = "5",
            description = "writers' run before resharding (default ${DEFAULT-VALUE})")
    int baselineSeconds;
    @Option(names = "--warmup-sessions", defaultValue = "100",
            description = "unrecorded sessions per system first, on keys no measured session owns"
                    + " (default ${DEFAULT-VALUE})")
    int warmupSessions;
    @Option(names = "--sequential-reads", defaultValue = "3000",
            description = "reads per system on one thread without think time, interleaved (default ${DEFAULT-VALUE})")
    int sequentialReads;
    @Option(names = "--seed", defaultValue = "42", description = "workload seed (default ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--max-minutes", defaultValue = "30",
            description = "no request starts after this (default ${DEFAULT-VALUE})")
    int maxMinutes;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ShardingSphereComparison()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (sessions < rounds || rounds < 1 || concurrency < 1 || rows < 1 || writers < 1 || warmupSessions < 0
                || sequentialReads < 1) {
            System.err.println("need --rounds >= 1, --sessions >= --rounds, --concurrency, --rows, --writers and"
                    + " --sequential-reads >= 1, --warmup-sessions >= 0");
            return 2;
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(maxMinutes);
        String loadAtStart = ReshardBenchmark.loadAverage();
        System.err.printf("starting 3 shards, each a primary and a standby %d ms behind, and a catalog server%n",
                applyDelayMillis);
        try (EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shardNames(SHARDS.toArray(String[]::new))
                .replicasPerShard(1).replicaApplyDelay(Duration.ofMillis(applyDelayMillis)).start()) {
            ShardTopology all = cluster.topology();
            ShardTopology two = all.withoutShard("shard-2");
            List<EmbeddedShard> shards = cluster.shards();
            List<EmbeddedShard> firstTwo = shards.subList(0, 2);
            System.err.println("creating tables and loading rows");
            createTables(shards);
            preloadProfiles(shards, two.ring());
            ThirdShard.preloadAccounts(shards, two.ring(), rows);
            Thread.sleep(applyDelayMillis + 1000);                    // standbys replay the loaded rows

            Map<String, SessionWorkload.Stats> stats = new LinkedHashMap<>();
            List<Histogram> sequential;
            Map<String, HikariDataSource> primaries = new LinkedHashMap<>();
            for (EmbeddedShard s : firstTwo) {
                primaries.put(s.name(), HikariPools.open("bare-" + s.name(), s.primary().spec(), false));
            }
            try (ShardRouter router = ShardRouter.builder().topology(two).build();
                 ShardingSphereSetup ss = ShardingSphereSetup.open(firstTwo, List.of("profiles_ss"))) {
                List<SessionStore> stores = List.of(Stores.barePrimary(two.ring(), primaries, "profiles_bare"),
                        Stores.ringroute(router, "profiles_rr"),
                        Stores.dataSource("ShardingSphere-JDBC 5.5.2", ss.dataSource(), "profiles_ss"));
                SessionWorkload workload = new SessionWorkload(sessions, concurrency, thinkMillis, seed, deadline);
                for (SessionStore s : stores) {                       // warm-up on keys no measured session owns
                    System.err.printf("warming up %s%n", s.name());
                    workload.run(s, sessions, sessions + warmupSessions, new SessionWorkload.Stats());
                    stats.put(s.name(), new SessionWorkload.Stats());
                }
                System.err.printf("one thread: %d reads per system, interleaved%n", sequentialReads);
                sequential = SequentialReads.run(stores, sessions, sequentialReads, deadline);
                for (int r = 0; r < rounds; r++) {
                    int from = sessions * r / rounds;
                    int to = sessions * (r + 1) / rounds;
                    for (int i = 0; i < stores.size(); i++) {
                        SessionStore s = stores.get((i + r) % stores.size());
                        System.err.printf("round %d/%d: sessions %d..%d on %s%n", r + 1, rounds, from, to - 1,
                                s.name());
                        workload.run(s, from, to, stats.get(s.name()));
                    }
                }
            } finally {
                primaries.values().forEach(HikariDataSource::close);
            }
            ComparisonReport report = new ComparisonReport(stats);
            report.printSequential(sequential, sequentialReads);
            report.printWorkload(sessions, rounds, concurrency, applyDelayMillis, thinkMillis);

            System.err.println("adding a third shard under each system");
            ThirdShard third = new ThirdShard(cluster, two, all, rows, writers, baselineSeconds, deadline);
            third.countMoves();
            third.shardingSphereOffline();
            third.ringrouteOnline();
            report.printSummary(third);
            System.out.printf("load average: %s at the start, %s at the end%n", loadAtStart,
                    ReshardBenchmark.loadAverage());
        }
        return 0;
    }

    private static void createTables(List<EmbeddedShard> shards) throws Exception {
        for (EmbeddedShard s : shards) {
            try (Connection c = s.primary().connect(); Statement st = c.createStatement()) {
                int i = SHARDS.indexOf(s.name());
                for (String t : List.of("profiles_bare", "profiles_rr", "profiles_ss_" + i)) {
                    st.execute(ProfileRows.createTable(t));
                }
                st.execute(AccountRows.createTable(ThirdShard.ACCOUNTS_SS + "_" + i));   // ShardingSphere's t_i
                st.execute(AccountRows.createTable("accounts_rr"));
                ThirdShard.ACCOUNTS_RR.addTokenColumn(c);
            }
        }
    }

    /** Every measured session's four rows at version 0, on each table, where that table's system places them. */
    private void preloadProfiles(List<EmbeddedShard> shards, HashRing ring) throws Exception {
        ToIntFunction<String> byRing = k -> SHARDS.indexOf(ring.primary(k).id());
        ToIntFunction<String> byHashMod = k -> HashMod.index(k, 2);
        Map<String, ToIntFunction<String>> tables = Map.of("profiles_bare", byRing, "profiles_rr", byRing,
                "profiles_ss", byHashMod);
        for (Map.Entry<String, ToIntFunction<String>> t : tables.entrySet()) {
            StringBuilder[] perShard = {new StringBuilder(), new StringBuilder()};
            for (int u = 0; u < sessions; u++) {
                for (int k = 0; k < SessionWorkload.OWN_KEYS; k++) {
                    String key = SessionWorkload.key(u, k);
                    perShard[t.getValue().applyAsInt(key)].append(key).append("\t0\n");
                }
            }
            for (int i = 0; i < 2; i++) {
                String table = t.getKey().equals("profiles_ss") ? "profiles_ss_" + i : t.getKey();
                try (Connection c = shards.get(i).primary().connect()) {
                    AccountRows.copyIn(c, "COPY " + table + " (k, v) FROM STDIN", perShard[i]);
                }
            }
        }
    }
}
