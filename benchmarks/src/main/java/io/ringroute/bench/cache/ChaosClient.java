package io.ringroute.bench.cache;

import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.CacheClusterListener;
import io.ringroute.cache.CacheEntry;
import io.ringroute.cache.NodeEvent;
import io.ringroute.cache.ValueCodec;
import io.ringroute.cache.invalidation.PurgeFollower;
import io.ringroute.cache.invalidation.PurgeList;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One application process of the chaos run: PostgreSQL-backed cache-aside over a shared key space, through a
 * {@link CacheCluster} with R=2 and a shared membership. A write updates the key's row (its {@code version} column
 * goes up by one under the row lock, so versions follow commit order) and then caches the new value at that
 * version; a delete marks the row deleted (version + 1) and deletes the key at that version; a read takes the cached
 * entry, or on a miss loads the row and caches it at the row's version (set-if-newer, so a slow load never
 * replaces a newer value). {@code --threads} threads call at once, each with its own connection; 15 % writes, 3 %
 * deletes, 82 % reads of uniformly drawn keys. A {@link PurgeFollower} empties nodes the WAL invalidator could not reach. Each call is
 * logged (key, version, time) for the report: {@code W key version ackMillis}, {@code D key version ackMillis},
 * {@code R key version startMillis H|M} (hit or miss), {@code B millis} (connected), {@code E node kind millis}, and last
 * {@code S calls failures p99Micros maxMicros}.
 */
@Command(name = "chaos-client", description = "One client process of the cache chaos run (started by cache-chaos).")
public final class ChaosClient implements Callable<Integer> {

    @Option(names = "--id", required = true)
    String id;

    /** {@code id=host:port,...}: how this process reaches each node (one may be behind a relay). */
    @Option(names = "--nodes", required = true, split = ",")
    String[] nodes;

    @Option(names = "--jdbc-url", required = true, description = "The primary holding the items table.")
    String jdbcUrl;

    @Option(names = "--keys", defaultValue = "2000")
    int keys;

    @Option(names = "--seconds", defaultValue = "60")
    int seconds;

    @Option(names = "--threads", defaultValue = "4", description = "Calling threads, each with its own connection.")
    int threads;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--wait-for-go", description = "Start calling only when a line arrives on stdin.")
    boolean waitForGo;

    @Option(names = "--log", required = true)
    Path log;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosClient()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(jdbcUrl);
        ds.setUser("postgres");
        ds.setConnectTimeout(10);
        ds.setSocketTimeout(30);
        try (BufferedWriter out = Files.newBufferedWriter(log)) {
            CacheCluster.Builder<String> b = CacheCluster.builder().codec(ValueCodec.utf8()).replicationFactor(2)
                    .sharedMembership(Duration.ofMillis(500)).allowDegradedStart(true)
                    .connectTimeout(Duration.ofSeconds(10))
                    .listener(new CacheClusterListener() {
                        @Override
                        public void onNodeEvent(NodeEvent e) {
                            line(out, "E " + e.nodeId() + " " + e.kind() + " " + e.at().toEpochMilli());
                        }
                    });
            for (String n : nodes) {
                String[] kv = n.split("=", 2);
                b.node(kv[0], kv[1]);
            }
            Histogram latency = new Histogram(60_000_000L, 2);
            long calls = 0;
            long failures = 0;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try (CacheCluster<String> cache = b.build();
                 PurgeFollower purges = PurgeFollower.start(cache, PurgeList.inPostgres(ds, CacheChaos.PURGE_SCHEMA),
                         Duration.ofMillis(200))) {
                line(out, "B " + System.currentTimeMillis());
                flush(out);
                if (waitForGo) { // the run's clock starts once every client is connected
                    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                }
                long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
                List<Future<Worker>> workers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    Worker w = new Worker(cache, new Items(ds.getConnection()), new Random(seed * 31 + t), out);
                    workers.add(pool.submit(() -> w.run(end)));
                }
                for (Future<Worker> f : workers) {
                    Worker w = f.get();
                    calls += w.calls;
                    failures += w.failures;
                    latency.add(w.latency);
                }
            } finally {
                pool.shutdownNow();
            }
            line(out, "S " + calls + " " + failures + " " + latency.getValueAtPercentile(99) + " "
                    + latency.getMaxValue());
        }
        return 0;
    }

    /** One thread of calls, with its own database connection. */
    private final class Worker {
        final CacheCluster<String> cache;
        final Items items;
        final Random random;
        final BufferedWriter out;
        final Histogram latency = new Histogram(60_000_000L, 2);
        long calls;
        long failures;

        Worker(CacheCluster<String> cache, Items items, Random random, BufferedWriter out) {
            this.cache = cache;
            this.items = items;
            this.random = random;
            this.out = out;
        }

        Worker run(long endNanos) throws SQLException {
            try (items) {
                long lastFlush = System.nanoTime();
                while (System.nanoTime() < endNanos) {
                    long start = System.nanoTime();
                    try {
                        call("k" + random.nextInt(keys), random.nextDouble());
                    } catch (RuntimeException | SQLException e) {
                        failures++;
                    }
                    calls++;
                    latency.recordValue(Math.min((System.nanoTime() - start) / 1000, 60_000_000L));
                    if (System.nanoTime() - lastFlush > 1_000_000_000L) {
                        flush(out); // a client killed midway keeps what it logged up to a second ago
                        lastFlush = System.nanoTime();
                    }
                }
            }
            return this;
        }

        private void call(String key, double dice) throws SQLException {
            if (dice < 0.15) {
                String value = key + "/" + Long.toHexString(random.nextLong());
                long v = items.update(key, value);
                cache.put(key, value, v, null);
                line(out, "W " + key + " " + v + " " + System.currentTimeMillis());
            } else if (dice < 0.18) {
                long v = items.delete(key);
                cache.delete(key, v);
                line(out, "D " + key + " " + v + " " + System.currentTimeMillis());
            } else {
                long at = System.currentTimeMillis();
                CacheEntry<String> e = cache.getEntry(key);
                if (e != null) {
                    line(out, "R " + key + " " + e.version() + " " + at + " H");
                } else {
                    Items.Row row = items.load(key);
                    if (!row.deleted()) {
                        cache.put(key, row.value(), row.version(), null);
                    }
                    line(out, "R " + key + " " + row.version() + " " + at + " M");
                }
            }
        }
    }

    private static void flush(BufferedWriter out) {
        try {
            synchronized (out) {
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void line(BufferedWriter out, String s) {
        try {
            synchronized (out) {
                out.write(s);
                out.newLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
