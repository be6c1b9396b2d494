package io.ringroute.bench.cache;

import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.CacheClusterListener;
import io.ringroute.cache.CacheEntry;
import io.ringroute.cache.NodeEvent;
import io.ringroute.cache.ValueCodec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One application process of the chaos run: versioned writes, deletes and reads of a shared key space through a
 * {@link CacheCluster} with R=2 and a shared membership, each call logged (key, version, time) for the report.
 * Log lines: {@code W key version ackMillis}, {@code D key version ackMillis}, {@code R key version|-1 startMillis},
 * {@code E node kind millis}, and last {@code S calls failures p99Micros maxMicros}.
 */
@Command(name = "chaos-client", description = "One client process of the cache chaos run (started by cache-chaos).")
public final class ChaosClient implements Callable<Integer> {

    @Option(names = "--id", required = true)
    String id;

    /** {@code id=host:port,...}: how this process reaches each node (one may be behind a relay). */
    @Option(names = "--nodes", required = true, split = ",")
    String[] nodes;

    @Option(names = "--keys", defaultValue = "2000")
    int keys;

    @Option(names = "--seconds", defaultValue = "60")
    int seconds;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--log", required = true)
    Path log;

    private long lastVersion;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosClient()).execute(args));
    }

    /** Wall-clock versions shared by all client processes of one machine, never repeating in this one. */
    private long nextVersion() {
        lastVersion = Math.max(lastVersion + 1, System.currentTimeMillis() << 16);
        return lastVersion;
    }

    @Override
    public Integer call() throws IOException {
        Histogram latency = new Histogram(60_000_000L, 2);
        long failures = 0;
        long calls = 0;
        Random random = new Random(seed);
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
            try (CacheCluster<String> cache = b.build()) {
                long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
                long lastFlush = System.nanoTime();
                while (System.nanoTime() < end) {
                    String key = "k" + random.nextInt(keys);
                    double dice = random.nextDouble();
                    long start = System.nanoTime();
                    try {
                        if (dice < 0.15) {
                            long v = nextVersion();
                            cache.put(key, Long.toString(v), v, null);
                            line(out, "W " + key + " " + v + " " + System.currentTimeMillis());
                        } else if (dice < 0.18) {
                            long v = nextVersion();
                            cache.delete(key, v);
                            line(out, "D " + key + " " + v + " " + System.currentTimeMillis());
                        } else {
                            long at = System.currentTimeMillis();
                            CacheEntry<String> e = cache.getEntry(key);
                            line(out, "R " + key + " " + (e == null ? -1 : e.version()) + " " + at);
                        }
                    } catch (RuntimeException e) {
                        failures++;
                    }
                    calls++;
                    latency.recordValue(Math.min((System.nanoTime() - start) / 1000, 60_000_000L));
                    if (System.nanoTime() - lastFlush > 1_000_000_000L) {
                        out.flush(); // a client killed midway keeps what it logged up to a second ago
                        lastFlush = System.nanoTime();
                    }
                }
            }
            line(out, "S " + calls + " " + failures + " " + latency.getValueAtPercentile(99) + " "
                    + latency.getMaxValue());
        }
        return 0;
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
