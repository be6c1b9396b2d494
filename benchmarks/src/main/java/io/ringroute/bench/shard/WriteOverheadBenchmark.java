package io.ringroute.bench.shard;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.ringroute.shard.Session;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.ShardWork;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.HdrHistogram.Histogram;

/**
 * A routed single-statement write transaction versus the same transaction through a bare HikariDataSource to the
 * same primary, in one run (issue 14 item 4): {@code UPDATE counters SET n = n + 1 WHERE k = ?} on shard-0, one
 * thread, through {@link ShardRouter#write} (no session) and {@link Session#write} (read-your-writes: the session
 * notes the commit, and learns its position from the poller's next sample of the primary, not from a query of its
 * own) on a router with a static topology, through {@link Session#write} on one
 * with a topology catalog (every unit passes the shard's write fence), the same with write leases (units on a
 * leased connection skip the fence: {@code CatalogSpec.writeLeases}), {@link Session#write} followed by
 * {@link Session#token()}{@code .toString()} (what an application that hands the token out after every write pays:
 * the export reads the position the poller has not sampled yet), the same with {@link Session#positionOnCommit()} (the
 * position read on the COMMIT's round trip, the export free), and on a bare pool as
 * {@code setAutoCommit(false)}, the update, {@code commit()}. The seven sides are interleaved call by call, in a new
 * random order each time, so machine noise and warm caches favour none. Prints percentiles and router/bare ratios.
 *
 * <p>Arguments: [rounds (default 40)] [writes per side per round (default 1000)] [{@code writes}: the first five
 * sides only, without the two that export a token (their position reads on other pooled connections disturb the
 * others: benchmarks/RESULTS-write.md)].
 */
public final class WriteOverheadBenchmark {
    private static final String UPDATE = "UPDATE counters SET n = n + 1 WHERE k = ?";

    private WriteOverheadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        boolean writesOnly = args.length > 2 && args[2].equals("writes");
        try (EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shards(2).replicasPerShard(1).start()) {
            CatalogSpec catalog = new CatalogSpec(cluster.startStandalone("catalog").spec(), "rr_catalog",
                    Duration.ofMillis(200));
            try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
                cat.initialize(cluster.topology());
            }
            EmbeddedServer primary = cluster.shard("shard-0").primary();
            // a router (so a pool, so server sessions) per side, the export sides' one shared: sides sharing a
            // pool ran up to 6% faster than on pools of their own, their server sessions kept warm by each other
            try (ShardRouter plain = ShardRouter.builder().topology(cluster.topology()).build();
                 ShardRouter sessions = ShardRouter.builder().topology(cluster.topology()).build();
                 ShardRouter exports = ShardRouter.builder().topology(cluster.topology()).build();
                 ShardRouter fenced = ShardRouter.builder().topology(cluster.topology()).catalog(catalog).build();
                 ShardRouter leasing = ShardRouter.builder().topology(cluster.topology())
                         .catalog(catalog.withWriteLeases(true)).build();
                 HikariDataSource bare = bare(primary)) {
                List<String> keys = keysOn(plain, "shard-0", 1000);
                try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE counters (k text PRIMARY KEY, n bigint NOT NULL)");
                    st.execute("INSERT INTO counters SELECT k, 0 FROM unnest(ARRAY['" + String.join("','", keys)
                            + "']) AS k");
                }
                System.out.printf("write overhead: %d rounds x %d single-statement write transactions per side,"
                        + " 1 thread, key -> shard-0 primary%s%n", rounds, perRound,
                        writesOnly ? ", no export sides" : "");
                measure(plain, sessions.session(), new Session[]{fenced.session(), leasing.session()}, exports, bare,
                        keys, rounds, perRound, writesOnly ? 5 : 7);
            }
        }
    }

    private static void measure(ShardRouter plain, Session session, Session[] catalogued, ShardRouter exports,
                                HikariDataSource bare, List<String> keys, int rounds, int perRound, int sides)
            throws SQLException {
        Session exporting = exports.session();
        Session exportingOnCommit = exports.session().positionOnCommit();
        String[] names = {"bare Hikari        ", "router, no session ", "router + session   ", "router + catalog   ",
            "catalog + leases   ", "session + export   ", "export, on commit  "};
        Histogram[] h = new Histogram[sides];
        for (int s = 0; s < sides; s++) {
            h[s] = new Histogram(3);
        }
        long[] nanos = new long[sides];
        int[] order = new int[sides];
        for (int s = 0; s < sides; s++) {
            order[s] = s;
        }
        Random shuffle = new Random(14);
        for (int r = -5; r < rounds; r++) {                  // 5 warm-up rounds, not recorded
            for (int i = 0; i < perRound; i++) {
                String key = keys.get(i % keys.size());
                shuffle(order, shuffle);
                for (int side : order) {
                    long t0 = System.nanoTime();
                    switch (side) {
                        case 0 -> bareWrite(bare, key);
                        case 1 -> plain.write(key, increment(key));
                        case 2 -> session.write(key, increment(key));
                        case 3 -> catalogued[0].write(key, increment(key));
                        case 4 -> catalogued[1].write(key, increment(key));
                        case 5 -> exported(exporting, key);
                        default -> exported(exportingOnCommit, key);
                    }
                    nanos[side] = System.nanoTime() - t0;
                }
                if (r >= 0) {
                    for (int s = 0; s < sides; s++) {
                        h[s].recordValue(nanos[s]);
                    }
                }
            }
        }
        for (int s = 0; s < sides; s++) {
            System.out.printf("%s mean %7.1f us  p50 %7.1f us  p99 %7.1f us%s%n", names[s], h[s].getMean() / 1e3,
                    h[s].getValueAtPercentile(50) / 1e3, h[s].getValueAtPercentile(99) / 1e3, s == 0 ? ""
                            : String.format("  | vs bare: mean %.3f  p50 %.3f  p99 %.3f", h[s].getMean() / h[0].getMean(),
                            (double) h[s].getValueAtPercentile(50) / h[0].getValueAtPercentile(50),
                            (double) h[s].getValueAtPercentile(99) / h[0].getValueAtPercentile(99)));
        }
    }

    /**
     * A new order of the sides for every call (Fisher-Yates): a rotation keeps the cyclic order, so a side would
     * always run right after the same other side (the session side after the no-session one, on the same pooled
     * connection).
     */
    static void shuffle(int[] order, Random random) {
        for (int s = order.length - 1; s > 0; s--) {
            int j = random.nextInt(s + 1);
            int t = order[s];
            order[s] = order[j];
            order[j] = t;
        }
    }

    /** A session write whose token is then handed out in its text form, as a web application would. */
    private static void exported(Session session, String key) throws SQLException {
        session.write(key, increment(key));
        session.token().toString();
    }

    private static void bareWrite(HikariDataSource bare, String key) throws SQLException {
        try (Connection c = bare.getConnection()) {
            c.setAutoCommit(false);
            increment(key).apply(c);
            c.commit();
        }
    }

    private static ShardWork<Integer> increment(String key) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement(UPDATE)) {
                ps.setString(1, key);
                return ps.executeUpdate();
            }
        };
    }

    private static List<String> keysOn(ShardRouter router, String shard, int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            if (router.shardOf("user:" + i).equals(shard)) {
                keys.add("user:" + i);
            }
        }
        return keys;
    }

    private static HikariDataSource bare(EmbeddedServer server) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(server.jdbcUrl());
        config.setUsername("postgres");
        config.setMaximumPoolSize(10);
        config.setMinimumIdle(1);
        return new HikariDataSource(config);
    }
}
