package io.ringroute.bench.cache;

import com.hazelcast.map.IMap;
import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.CacheNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * get/put latency and single-thread throughput through {@link CacheCluster} versus a bare Hazelcast client talking
 * to one member, in one run on the same in-process nodes. Rounds alternate the order of the clients so drift (JIT,
 * GC, other load on the machine) spreads over all of them.
 */
@Command(name = "cache-latency", mixinStandardHelpOptions = true,
        description = "Cluster client vs bare Hazelcast client: get/put p50/p99/p99.9 and ops/s.")
public final class CacheLatencyBenchmark implements Callable<Integer> {

    @Option(names = "--nodes", defaultValue = "3", description = "Cache nodes (default: ${DEFAULT-VALUE}).")
    int nodeCount;

    @Option(names = "--keys", defaultValue = "10000", description = "Distinct keys (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--value-bytes", defaultValue = "100", description = "Value size (default: ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = "--ops", defaultValue = "20000", description = "Operations per client, op and round (default:"
            + " ${DEFAULT-VALUE}).")
    int ops;

    @Option(names = "--rounds", defaultValue = "5", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup-rounds", defaultValue = "2", description = "Unrecorded rounds first (default: "
            + "${DEFAULT-VALUE}).")
    int warmupRounds;

    /** One way to reach the cache, measured the same way as the others. */
    private interface Path {
        byte[] get(String key);

        void put(String key, byte[] value);
    }

    private static final class Result {
        final Histogram get = new Histogram(3);
        final Histogram put = new Histogram(3);
        long getNanos;
        long putNanos;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new CacheLatencyBenchmark()).execute(args));
    }

    @Override
    public Integer call() {
        String[] keyNames = new String[keys];
        for (int i = 0; i < keys; i++) {
            keyNames[i] = "key:" + i;
        }
        byte[] value = new byte[valueBytes];
        try (BenchNodes nodes = new BenchNodes("lat", nodeCount)) {
            IMap<Object, byte[]> bare = nodes.bareClient(nodes.node(0)).getMap(CacheNode.MAP_NAME);
            Map<String, Path> paths = new LinkedHashMap<>();
            paths.put("bare Hazelcast client, 1 member", new Path() {
                public byte[] get(String k) {
                    return bare.get(k);
                }

                public void put(String k, byte[] v) {
                    bare.set(k, v);
                }
            });
            List<CacheCluster<byte[]>> clusters = new ArrayList<>();
            // The same member as the bare client, then all nodes with one and two replicas.
            int[][] shapes = {{1, 1}, {nodeCount, 1}, {nodeCount, 2}};
            for (int[] shape : shapes) {
                CacheCluster.Builder<byte[]> b = CacheCluster.builder().replicationFactor(shape[1]);
                nodes.nodes().subList(0, shape[0]).forEach(n -> b.node(n.name(), n.address()));
                CacheCluster<byte[]> cluster = b.build();
                clusters.add(cluster);
                String name = "CacheCluster, " + shape[0] + (shape[0] == 1 ? " node" : " nodes") + ", R=" + shape[1];
                paths.put(name, new Path() {
                    public byte[] get(String k) {
                        return cluster.get(k);
                    }

                    public void put(String k, byte[] v) {
                        cluster.put(k, v);
                    }
                });
            }
            for (String k : keyNames) {
                bare.set(k, value);
            }
            clusters.get(clusters.size() - 1).putAll(toMap(keyNames, value));

            Map<String, Result> results = new LinkedHashMap<>();
            paths.keySet().forEach(p -> results.put(p, new Result()));
            List<String> order = new ArrayList<>(paths.keySet());
            long seed = 42;
            for (int round = 0; round < warmupRounds + rounds; round++) {
                boolean record = round >= warmupRounds;
                for (String name : order) {
                    seed = run(paths.get(name), record ? results.get(name) : new Result(), keyNames, value, seed);
                }
                java.util.Collections.rotate(order, 1);
            }
            print(results);
            clusters.forEach(CacheCluster::close);
        }
        return 0;
    }

    private long run(Path path, Result result, String[] keyNames, byte[] value, long seed) {
        long x = seed;
        long start = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            x = xorshift(x);
            String k = keyNames[(int) Long.remainderUnsigned(x, keyNames.length)];
            long t0 = System.nanoTime();
            if (path.get(k) == null) {
                throw new IllegalStateException("benchmark key " + k + " missing");
            }
            result.get.recordValue(System.nanoTime() - t0);
        }
        result.getNanos += System.nanoTime() - start;
        start = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            x = xorshift(x);
            String k = keyNames[(int) Long.remainderUnsigned(x, keyNames.length)];
            long t0 = System.nanoTime();
            path.put(k, value);
            result.put.recordValue(System.nanoTime() - t0);
        }
        result.putNanos += System.nanoTime() - start;
        return x;
    }

    private static long xorshift(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return x;
    }

    private void print(Map<String, Result> results) {
        System.out.printf("%n%d ops per client, op and round x %d rounds (after %d warm-up rounds), %d keys, "
                + "%d-byte values, 1 thread, in-process nodes on loopback%n%n", ops, rounds, warmupRounds, keys,
                valueBytes);
        System.out.println("| client | op | p50 us | p99 us | p99.9 us | max us | ops/s |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        for (Map.Entry<String, Result> e : results.entrySet()) {
            row(e.getKey(), "get", e.getValue().get, e.getValue().getNanos);
            row(e.getKey(), "put", e.getValue().put, e.getValue().putNanos);
        }
        Result bare = results.values().iterator().next();
        System.out.println();
        results.forEach((name, r) -> {
            if (r != bare) {
                System.out.printf("%s / bare at p99: get %.2fx, put %.2fx%n", name,
                        ratio(r.get, bare.get, 99), ratio(r.put, bare.put, 99));
            }
        });
    }

    private static void row(String client, String op, Histogram h, long nanos) {
        System.out.printf("| %s | %s | %.1f | %.1f | %.1f | %.1f | %,.0f |%n", client, op,
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount() / (nanos / 1e9));
    }

    private static double ratio(Histogram a, Histogram b, double percentile) {
        return (double) a.getValueAtPercentile(percentile) / b.getValueAtPercentile(percentile);
    }

    private static Map<String, byte[]> toMap(String[] keyNames, byte[] value) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (String k : keyNames) {
            m.put(k, value);
        }
        return m;
    }
}
