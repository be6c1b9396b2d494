package io.ringroute.bench.shard;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.ringroute.shard.Consistency;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.ShardWork;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * A read through the router versus the same read through a bare HikariDataSource to the same server, in one run:
 * a primary-key lookup on shard-0, STRONG (primary) and EVENTUAL (replica), one thread, the two sides interleaved in
 * short rounds so that machine noise hits both alike. Prints latency percentiles and the router/bare ratio.
 *
 * <p>Arguments: [rounds (default 40)] [reads per side per round (default 2000)].
 */
public final class ReadOverheadBenchmark {

    private ReadOverheadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        try (EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shards(2).replicasPerShard(1).start();
             ShardRouter router = ShardRouter.builder().topology(cluster.topology()).build()) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; keys.size() < 1000; i++) {
                if (router.shardOf("user:" + i).equals("shard-0")) {
                    keys.add("user:" + i);
                }
            }
            try (Connection c = cluster.shard("shard-0").primary().connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE users (k text PRIMARY KEY, name text NOT NULL)");
                st.execute("INSERT INTO users SELECT k, 'name of ' || k FROM unnest(ARRAY['"
                        + String.join("','", keys) + "']) AS k");
            }
            Thread.sleep(1000);
            System.out.printf("read overhead: %d rounds x %d reads per side, 1 thread, key -> shard-0%n", rounds,
                    perRound);
            compare("STRONG  (primary)", router, Consistency.STRONG, cluster.shard("shard-0").primary(), keys,
                    rounds, perRound);
            compare("EVENTUAL (replica)", router, Consistency.EVENTUAL, cluster.shard("shard-0").replica(0), keys,
                    rounds, perRound);
        }
    }

    private static void compare(String label, ShardRouter router, Consistency consistency, EmbeddedServer server,
                                List<String> keys, int rounds, int perRound) throws SQLException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(server.jdbcUrl());
        config.setUsername("postgres");
        config.setMaximumPoolSize(10);
        config.setMinimumIdle(1);
        try (HikariDataSource bare = new HikariDataSource(config)) {
            Histogram viaRouter = new Histogram(3);
            Histogram viaBare = new Histogram(3);
            for (int r = -5; r < rounds; r++) {              // 5 warm-up rounds, not recorded
                for (int i = 0; i < perRound; i++) {
                    String key = keys.get(i % keys.size());
                    boolean routerFirst = ((r + i) & 1) == 0;   // alternate, so neither side always runs warm
                    long routerNanos = 0;
                    if (routerFirst) {
                        routerNanos = timeRouter(router, consistency, key);
                    }
                    long t0 = System.nanoTime();
                    try (Connection c = bare.getConnection()) {
                        lookup(key).apply(c);
                    }
                    long bareNanos = System.nanoTime() - t0;
                    if (!routerFirst) {
                        routerNanos = timeRouter(router, consistency, key);
                    }
                    if (r >= 0) {
                        viaRouter.recordValue(routerNanos);
                        viaBare.recordValue(bareNanos);
                    }
                }
            }
            System.out.printf("%s router: mean %6.1f us  p50 %6.1f us  p99 %6.1f us | bare Hikari: mean %6.1f us"
                            + "  p50 %6.1f us  p99 %6.1f us | ratio mean %.3f  p50 %.3f%n", label,
                    viaRouter.getMean() / 1e3, viaRouter.getValueAtPercentile(50) / 1e3,
                    viaRouter.getValueAtPercentile(99) / 1e3, viaBare.getMean() / 1e3,
                    viaBare.getValueAtPercentile(50) / 1e3, viaBare.getValueAtPercentile(99) / 1e3,
                    viaRouter.getMean() / viaBare.getMean(),
                    (double) viaRouter.getValueAtPercentile(50) / viaBare.getValueAtPercentile(50));
        }
    }

    private static long timeRouter(ShardRouter router, Consistency consistency, String key) throws SQLException {
        long t0 = System.nanoTime();
        router.read(key, consistency, lookup(key));
        return System.nanoTime() - t0;
    }

    private static ShardWork<String> lookup(String key) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT name FROM users WHERE k = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        };
    }
}
