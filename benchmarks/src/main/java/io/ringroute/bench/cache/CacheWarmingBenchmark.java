package io.ringroute.bench.cache;

import com.hazelcast.map.IMap;
import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.RebalanceProgress;
import io.ringroute.cache.Warming;
import io.ringroute.ring.KeyHash;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Hit rate over time while a fifth node joins four under a cache-aside load (read; on a miss, write the value
 * back): the ring with warming, the ring without it, and modulo placement ({@code token mod N}). Prints a table
 * per time bucket and writes an SVG chart.
 */
@Command(name = "cache-warming", mixinStandardHelpOptions = true,
        description = "Hit rate over time while a node is added under load: warm vs cold vs modulo.")
public final class CacheWarmingBenchmark implements Callable<Integer> {

    @Option(names = "--keys", defaultValue = "100000", description = "Distinct keys (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--threads", defaultValue = "4", description = "Reader threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--before-seconds", defaultValue = "3", description = "Load before the add (default: "
            + "${DEFAULT-VALUE}).")
    int beforeSeconds;

    @Option(names = "--after-seconds", defaultValue = "9", description = "Load after the add starts (default: "
            + "${DEFAULT-VALUE}).")
    int afterSeconds;

    @Option(names = "--bucket-ms", defaultValue = "500", description = "Time bucket (default: ${DEFAULT-VALUE}).")
    int bucketMillis;

    @Option(names = "--svg", defaultValue = "benchmarks/RESULTS-cache-warming.svg",
            description = "Chart output (default: ${DEFAULT-VALUE}).")
    Path svg;

    /** A cache under test: reads, cache-aside writes, and the membership change. */
    private interface Scenario extends AutoCloseable {
        byte[] get(String key);

        void put(String key, byte[] value);

        /** Writes every entry in batches. */
        void preload(Map<String, byte[]> entries);

        /** Adds the fifth node; returns when reads use it. */
        void grow();

        @Override
        void close();
    }

    private record Run(String label, HitRateTimeline timeline, double growSeconds) {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new CacheWarmingBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        String[] keyNames = new String[keys];
        for (int i = 0; i < keys; i++) {
            keyNames[i] = "user:" + i;
        }
        List<Run> runs = new ArrayList<>();
        try (BenchNodes nodes = new BenchNodes("warm", 5)) {
            List<IMap<Object, byte[]>> maps = new ArrayList<>();
            nodes.nodes().forEach(n -> maps.add(nodes.bareClient(n).getMap(CacheNode.MAP_NAME)));
            runs.add(measure("ring, warmed", ring(nodes, Warming.WARM), maps, keyNames));
            runs.add(measure("ring, cold", ring(nodes, Warming.COLD), maps, keyNames));
            runs.add(measure("modulo", modulo(maps), maps, keyNames));
        }
        report(runs);
        return 0;
    }

    private Run measure(String label, Scenario scenario, List<IMap<Object, byte[]>> maps, String[] keyNames)
            throws InterruptedException {
        try (scenario) {
            Map<String, byte[]> all = new LinkedHashMap<>();
            for (String k : keyNames) {
                all.put(k, value(k));
            }
            scenario.preload(all);
            int buckets = (beforeSeconds + afterSeconds) * 1000 / bucketMillis;
            long start = System.nanoTime();
            HitRateTimeline timeline = new HitRateTimeline(start, bucketMillis, buckets);
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> readers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread reader = new Thread(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (running.get()) {
                        String k = keyNames[random.nextInt(keyNames.length)];
                        boolean hit = scenario.get(k) != null;
                        if (!hit) {
                            scenario.put(k, value(k));
                        }
                        timeline.record(hit);
                    }
                }, "reader-" + t);
                reader.start();
                readers.add(reader);
            }
            sleepUntil(start, beforeSeconds * 1000L);
            scenario.grow();
            double growSeconds = (System.nanoTime() - start) / 1e9;
            sleepUntil(start, (beforeSeconds + afterSeconds) * 1000L);
            running.set(false);
            for (Thread r : readers) {
                r.join();
            }
            System.out.printf("%s: reads use the fifth node from %.2f s%n", label, growSeconds);
            return new Run(label, timeline, growSeconds);
        } finally {
            maps.forEach(IMap::clear);
        }
    }

    private Scenario ring(BenchNodes nodes, Warming warming) {
        CacheCluster.Builder<byte[]> b = CacheCluster.builder().replicationFactor(1);
        nodes.nodes().subList(0, 4).forEach(n -> b.node(n.name(), n.address()));
        CacheCluster<byte[]> cluster = b.build();
        CacheNode fifth = nodes.node(4);
        return new Scenario() {
            public byte[] get(String key) {
                return cluster.get(key);
            }

            public void put(String key, byte[] value) {
                cluster.put(key, value);
            }

            public void preload(Map<String, byte[]> entries) {
                cluster.putAll(entries);
            }

            public void grow() {
                RebalanceProgress done = cluster.addNode(fifth.name(), fifth.address(), 1.0, null, warming);
                System.out.println("  " + done);
            }

            public void close() {
                cluster.close();
            }
        };
    }

    private static Scenario modulo(List<IMap<Object, byte[]>> maps) {
        return new Scenario() {
            private volatile int n = 4;

            private IMap<Object, byte[]> owner(String key) {
                return maps.get(Math.floorMod(KeyHash.token(key), n));
            }

            public byte[] get(String key) {
                return owner(key).get(key);
            }

            public void put(String key, byte[] value) {
                owner(key).set(key, value);
            }

            public void preload(Map<String, byte[]> entries) {
                Map<Integer, Map<Object, byte[]>> byOwner = new HashMap<>();
                entries.forEach((k, v) -> byOwner.computeIfAbsent(Math.floorMod(KeyHash.token(k), n),
                        i -> new HashMap<>()).put(k, v));
                byOwner.forEach((i, batch) -> maps.get(i).putAll(batch));
            }

            public void grow() {
                n = 5;
            }

            public void close() {
            }
        };
    }

    private void report(List<Run> runs) throws IOException {
        double bucketSeconds = bucketMillis / 1000.0;
        int n = runs.get(0).timeline().buckets();
        StringBuilder header = new StringBuilder("| t (s) |");
        StringBuilder rule = new StringBuilder("|---:|");
        for (Run r : runs) {
            header.append(' ').append(r.label()).append(" |");
            rule.append("---:|");
        }
        System.out.printf("%n%d keys, %d reader threads (cache-aside), R=1, node added at %d s; hit rate per %d ms%n%n",
                keys, threads, beforeSeconds, bucketMillis);
        System.out.println(header);
        System.out.println(rule);
        for (int b = 0; b < n; b++) {
            StringBuilder row = new StringBuilder(String.format("| %.1f |", b * bucketSeconds));
            for (Run r : runs) {
                row.append(String.format(" %.1f%% |", 100 * r.timeline().hitRate(b)));
            }
            System.out.println(row);
        }
        System.out.println();
        int addBucket = (int) (beforeSeconds / bucketSeconds);
        for (Run r : runs) {
            double min = 1;
            for (int b = addBucket; b < n; b++) {
                min = Math.min(min, r.timeline().hitRate(b));
            }
            long reads = 0;
            for (int b = 0; b < n; b++) {
                reads += r.timeline().reads(b);
            }
            System.out.printf("%s: before %.1f%%, lowest bucket after the add %.1f%%, last bucket %.1f%%, %,d reads%n",
                    r.label(), 100 * r.timeline().hitRate(addBucket - 1), 100 * min,
                    100 * r.timeline().hitRate(n - 1), reads);
        }
        List<HitRateChart.Series> series = new ArrayList<>();
        for (Run r : runs) {
            double[] rates = new double[n];
            for (int b = 0; b < n; b++) {
                rates[b] = r.timeline().hitRate(b);
            }
            series.add(new HitRateChart.Series(r.label(), rates));
        }
        if (svg.getParent() != null) {
            Files.createDirectories(svg.getParent());
        }
        Files.writeString(svg, HitRateChart.svg("Hit rate while a 5th cache node joins 4 (" + keys + " keys, "
                + "cache-aside load)", series, bucketSeconds, List.of(
                new HitRateChart.Marker("node added", beforeSeconds),
                new HitRateChart.Marker("warmed: copy done, reads move", runs.get(0).growSeconds()))));
        System.out.println("chart: " + svg.toAbsolutePath());
    }

    private static byte[] value(String key) {
        return ("value of " + key).getBytes(StandardCharsets.UTF_8);
    }

    private static void sleepUntil(long startNanos, long millis) throws InterruptedException {
        long left = startNanos + millis * 1_000_000 - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }
}
