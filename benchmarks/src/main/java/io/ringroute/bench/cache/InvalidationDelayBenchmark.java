package io.ringroute.bench.cache;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.invalidation.CacheInvalidator;
import io.ringroute.cache.invalidation.InvalidatorStats;
import io.ringroute.cache.invalidation.PurgeList;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The delay from a committed UPDATE on a PostgreSQL primary to its cache key being gone from every cache node,
 * through the WAL-driven {@link CacheInvalidator}: one update at a time, each key cached on every node first; the
 * clock starts when the commit returns and stops when a bare client finds the key on no node. Also prints the
 * invalidator's own commit-to-delivered histogram.
 */
@Command(name = "invalidation-delay", mixinStandardHelpOptions = true,
        description = "Commit -> key deleted on every cache node, through the WAL invalidator.")
public final class InvalidationDelayBenchmark implements Callable<Integer> {

    @Option(names = "--updates", defaultValue = "1000", description = "Measured updates (default: ${DEFAULT-VALUE}).")
    int updates;

    @Option(names = "--warmup", defaultValue = "100", description = "Unmeasured updates first (default: "
            + "${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--nodes", defaultValue = "3", description = "Cache nodes (default: ${DEFAULT-VALUE}).")
    int nodeCount;

    @Option(names = "--timeout-ms", defaultValue = "30000", description = "Give up on one update after this long"
            + " (default: ${DEFAULT-VALUE}).")
    long timeoutMillis;

    public static void main(String[] args) {
        System.exit(new CommandLine(new InvalidationDelayBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("wal_level", "logical")
                .setServerConfig("synchronous_commit", "on").start();
                BenchNodes nodes = new BenchNodes("inv", nodeCount)) {
            String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL)");
                st.execute("INSERT INTO users SELECT 'u' || i, 'n' FROM generate_series(0, 999) i");
            }
            CacheCluster.Builder<byte[]> b = CacheCluster.builder().replicationFactor(2);
            nodes.nodes().forEach(n -> b.node(n.name(), n.address()));
            List<IMap<Object, byte[]>> maps = new ArrayList<>();
            for (CacheNode n : nodes.nodes()) {
                HazelcastInstance bare = nodes.bareClient(n);
                maps.add(bare.getMap(CacheNode.MAP_NAME));
            }
            try (CacheCluster<byte[]> cache = b.build();
                    CacheInvalidator inv = CacheInvalidator.builder().primary(url, "postgres", null)
                            .tables("users")
                            .keys((table, row) -> Set.of("user:" + row.get("id")))
                            .cache(cache)
                            .purgeList(PurgeList.inPostgres(pg.getPostgresDatabase(), "ringroute_cache"))
                            .start();
                    Connection c = pg.getPostgresDatabase().getConnection();
                    PreparedStatement update = c.prepareStatement("UPDATE users SET name = ? WHERE id = ?")) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!inv.isActive() && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(10);
                }
                Histogram delay = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
                int lost = 0;
                for (int i = 0; i < warmup + updates; i++) {
                    String id = "u" + (i % 1000);
                    String key = "user:" + id;
                    maps.forEach(m -> m.set(key, new byte[] {1}));
                    update.setString(1, "n" + i);
                    update.setString(2, id);
                    update.executeUpdate();
                    long committed = System.nanoTime();
                    long giveUp = committed + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
                    while (maps.stream().anyMatch(m -> m.containsKey(key)) && System.nanoTime() < giveUp) {
                        Thread.onSpinWait();
                    }
                    long micros = (System.nanoTime() - committed) / 1000;
                    if (System.nanoTime() >= giveUp) {
                        lost++;
                    } else if (i >= warmup) {
                        delay.recordValue(micros);
                    }
                }
                InvalidatorStats stats = inv.stats();
                System.out.printf("%d updates, %d nodes (R=2 for the cluster; the invalidator deletes on all)%n",
                        updates, nodeCount);
                print("commit -> gone from every node (measured outside)", delay);
                print("commit timestamp -> delivered (invalidator's own)", stats.delayMicros());
                System.out.printf("not deleted within %d ms: %d; failed node deliveries: %d; transactions: %d%n",
                        timeoutMillis, lost, stats.failedDeliveries(), stats.transactions());
            }
        }
        return 0;
    }

    private static void print(String what, Histogram h) {
        System.out.printf("%-52s p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)%n", what,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0, h.getTotalCount());
    }
}
