package io.ringroute.bench.cache;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.ringroute.bench.peers.HazelcastKeyPopularity;
import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.ClockVersion;
import io.ringroute.cache.NodeLink;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * get/put latency and single-thread throughput through {@link CacheCluster} versus a bare Hazelcast client talking
 * to one member, in one run on the same in-process nodes; and what coherence costs per write: the bare client's
 * {@code set} against the same client sending the cluster's set-if-newer entry processor ({@code VersionedWrite}),
 * and the WAL invalidator's delete of one key through a {@link NodeLink}. Rounds rotate the order of the clients so
 * drift (JIT, GC, other load on the machine) spreads over all of them. Every client has its own keys. With
 * {@code --zipf} it measures instead how evenly the nodes share a skewed load, with and without spreading hot keys'
 * reads ({@link HotKeyBalance}).
 */
@Command(name = "cache-latency", mixinStandardHelpOptions = true,
        description = "Cluster client vs bare Hazelcast client: get/put p50/p99/p99.9 and ops/s; cost of versioned"
                + " writes and of WAL invalidation deletes.")
public final class CacheLatencyBenchmark implements Callable<Integer> {

    private static final String BARE = "bare Hazelcast client, 1 member";
    private static final Duration TOMBSTONE_TTL = Duration.ofSeconds(30);
    private static final String ONE_NODE = "CacheCluster, 1 node, R=1";

    @Option(names = "--nodes", defaultValue = "3", description = "Cache nodes (default: ${DEFAULT-VALUE}).")
    int nodeCount;

    @Option(names = "--keys", defaultValue = "10000", description = "Distinct keys per client (default: "
            + "${DEFAULT-VALUE}).")
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

    @Option(names = "--zipf", defaultValue = "0", description = "Zipf exponent of key popularity: above 0, measures"
            + " each node's share of the calls with and without spreading hot keys' reads, instead of the latency"
            + " comparison (default: ${DEFAULT-VALUE}, off).")
    double zipf;

    @Option(names = "--write-percent", defaultValue = "10", description = "With --zipf: share of puts among the"
            + " operations, 0-100 (default: ${DEFAULT-VALUE}).")
    int writePercent;

    @Option(names = "--replicas", defaultValue = "2", description = "With --zipf: replication factor (default:"
            + " ${DEFAULT-VALUE}).")
    int replicas;

    /** One operation of a client on one key. */
    private record Op(String name, Consumer<String> call) {
    }

    /** One way to reach the cache: its keys and operations, each measured the same way as every other. */
    private static final class Client {
        final String name;
        final String[] keyNames;
        final List<Op> ops = new ArrayList<>();
        final Map<String, Result> results = new LinkedHashMap<>();
        /** Gets that found nothing: every key is stored, so only a node ejected under load makes one. */
        long misses;

        Client(String name, int keys) {
            this.name = name;
            this.keyNames = new String[keys];
            String prefix = "c" + Integer.toHexString(name.hashCode()) + ":";
            for (int i = 0; i < keys; i++) {
                keyNames[i] = prefix + i;
            }
        }

        void got(byte[] value) {
            if (value == null) {
                misses++;
            }
        }

        Client op(String opName, Consumer<String> call) {
            ops.add(new Op(opName, call));
            results.put(opName, new Result());
            return this;
        }
    }

    private static final class Result {
        final Histogram latency = new Histogram(3);
        long nanos;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new CacheLatencyBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws ReflectiveOperationException {
        if (zipf > 0) {
            if (writePercent < 0 || writePercent > 100 || replicas < 1) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--write-percent must be 0-100 and"
                        + " --replicas at least 1, were " + writePercent + " and " + replicas);
            }
            try (BenchNodes nodes = new BenchNodes("zipf", nodeCount)) {
                new HotKeyBalance(HazelcastKeyPopularity.zipf(keys, zipf), String.format("Zipf(%.1f)", zipf),
                        replicas, ops, rounds, warmupRounds, writePercent, valueBytes).run(nodes.nodes(), keys,
                        System.out);
            }
            return 0;
        }
        byte[] value = new byte[valueBytes];
        try (BenchNodes nodes = new BenchNodes("lat", nodeCount);
             NodeLink link = NodeLink.opener(Duration.ofSeconds(2), null).open(nodes.node(0).name(),
                     nodes.node(0).address())) {
            List<CacheCluster<byte[]>> clusters = new ArrayList<>();
            try {
                measure(nodes, link, clusters, value);
            } finally {
                clusters.forEach(CacheCluster::close); // before the nodes stop, or their probes log
            }
        }
        return 0;
    }

    private void measure(BenchNodes nodes, NodeLink link, List<CacheCluster<byte[]>> clusters, byte[] value)
            throws ReflectiveOperationException {
        List<Client> clients = new ArrayList<>();
        IMap<Object, byte[]> bare = nodes.bareClient(nodes.node(0)).getMap(CacheNode.MAP_NAME);
        VersionedWrites versioned = new VersionedWrites();
        Client bareClient = new Client(BARE, keys);
        bareClient.op("get", k -> bareClient.got(bare.get(k)))
                .op("put", k -> bare.set(k, value))
                .op("versioned put", k -> bare.executeOnKey(k, versioned.next(value)));
        clients.add(bareClient);
        // The same member as the bare client, then all nodes with one and two replicas.
        int[][] shapes = {{1, 1}, {nodeCount, 1}, {nodeCount, 2}};
        for (int[] shape : shapes) {
            CacheCluster.Builder<byte[]> b = CacheCluster.builder().replicationFactor(shape[1]);
            nodes.nodes().subList(0, shape[0]).forEach(n -> b.node(n.name(), n.address()));
            CacheCluster<byte[]> cluster = b.build();
            clusters.add(cluster);
            String name = "CacheCluster, " + shape[0] + (shape[0] == 1 ? " node" : " nodes") + ", R=" + shape[1];
            Client client = new Client(name, keys);
            clients.add(client.op("get", k -> client.got(cluster.get(k))).op("put", k -> cluster.put(k, value)));
        }
        // What the WAL invalidator sends per changed row and node: one confirmed delete leaving a tombstone.
        clients.add(new Client("NodeLink (WAL invalidator), 1 member", keys)
                .op("delete", k -> link.deleteAll(List.of(k), ClockVersion.at(System.currentTimeMillis()),
                        TOMBSTONE_TTL)));
        for (String k : bareClient.keyNames) {
            bare.set(k, value);
        }
        for (int c = 0; c < clusters.size(); c++) {
            clusters.get(c).putAll(toMap(clients.get(1 + c).keyNames, value));
        }

        List<Client> order = new ArrayList<>(clients);
        long seed = 42;
        for (int round = 0; round < warmupRounds + rounds; round++) {
            boolean record = round >= warmupRounds;
            for (Client c : order) {
                for (Op op : c.ops) {
                    seed = run(op, c.keyNames, record ? c.results.get(op.name()) : new Result(), seed);
                }
            }
            Collections.rotate(order, 1);
        }
        print(clients);
    }

    private long run(Op op, String[] keyNames, Result result, long seed) {
        long x = seed;
        long start = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            x = xorshift(x);
            String k = keyNames[(int) Long.remainderUnsigned(x, keyNames.length)];
            long t0 = System.nanoTime();
            op.call().accept(k);
            result.latency.recordValue(System.nanoTime() - t0);
        }
        result.nanos += System.nanoTime() - start;
        return x;
    }

    private static long xorshift(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return x;
    }

    private void print(List<Client> clients) {
        System.out.printf("%n%d ops per client, op and round x %d rounds (after %d warm-up rounds), %d keys per client,"
                + " %d-byte values, 1 thread, in-process nodes on loopback%n%n", ops, rounds, warmupRounds, keys,
                valueBytes);
        System.out.println("| client | op | p50 us | p99 us | p99.9 us | max us | ops/s |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        for (Client c : clients) {
            c.results.forEach((op, r) -> row(c.name, op, r));
        }
        Client bare = clients.get(0);
        System.out.println();
        for (Client c : clients) {
            if (c.misses > 0) {
                System.out.printf("%s: %d gets missed (a node ejected under load)%n", c.name, c.misses);
            }
        }
        for (Client c : clients.subList(1, clients.size())) {
            if (c.results.containsKey("get")) {
                System.out.printf("%s / bare: get p50 %.2fx p99 %.2fx, put p50 %.2fx p99 %.2fx%n", c.name,
                        ratio(c, bare, "get", "get", 50), ratio(c, bare, "get", "get", 99),
                        ratio(c, bare, "put", "put", 50), ratio(c, bare, "put", "put", 99));
            }
        }
        Client one = clients.stream().filter(c -> c.name.equals(ONE_NODE)).findFirst().orElseThrow();
        double getP99 = ratio(one, bare, "get", "get", 99);
        System.out.printf("routed get p99 / bare get p99 (same member): %.2fx, goal <= 1.10x: %s%n", getP99,
                getP99 <= 1.10 ? "met" : "missed");
        System.out.printf("versioning per write (bare versioned put - bare put): p50 %+.1f us, p99 %+.1f us"
                        + " (%.2fx / %.2fx)%n", diffMicros(bare, "versioned put", bare, "put", 50),
                diffMicros(bare, "versioned put", bare, "put", 99), ratio(bare, bare, "versioned put", "put", 50),
                ratio(bare, bare, "versioned put", "put", 99));
        Client link = clients.get(clients.size() - 1);
        System.out.printf("WAL invalidation per write and node (one confirmed delete): p50 %.1f us, p99 %.1f us"
                        + " (%.2fx / %.2fx a bare put)%n", micros(link, "delete", 50), micros(link, "delete", 99),
                ratio(link, bare, "delete", "put", 50), ratio(link, bare, "delete", "put", 99));
    }

    private static void row(String client, String op, Result r) {
        Histogram h = r.latency;
        System.out.printf("| %s | %s | %.1f | %.1f | %.1f | %.1f | %,.0f |%n", client, op,
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount() / (r.nanos / 1e9));
    }

    private static double micros(Client c, String op, double percentile) {
        return c.results.get(op).latency.getValueAtPercentile(percentile) / 1e3;
    }

    private static double ratio(Client a, Client b, String opA, String opB, double percentile) {
        return micros(a, opA, percentile) / micros(b, opB, percentile);
    }

    private static double diffMicros(Client a, String opA, Client b, String opB, double percentile) {
        return micros(a, opA, percentile) - micros(b, opB, percentile);
    }

    private static Map<String, byte[]> toMap(String[] keyNames, byte[] value) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (String k : keyNames) {
            m.put(k, value);
        }
        return m;
    }

    /**
     * The cluster client's own set-if-newer entry processor, built as the client builds it (a fresh version per
     * write), for the bare client. Both types are package-private in cache-node; reflection is used once, at setup,
     * so the bare client sends exactly what {@link CacheCluster#put} sends, without copying the class.
     */
    private static final class VersionedWrites {
        private final Method value;
        private final Constructor<?> write;
        private long version = System.currentTimeMillis() << 16;

        VersionedWrites() throws ReflectiveOperationException {
            Class<?> versioned = Class.forName("io.ringroute.cache.wire.Versioned");
            value = versioned.getDeclaredMethod("value", long.class, byte[].class);
            value.setAccessible(true);
            write = Class.forName("io.ringroute.cache.wire.VersionedWrite")
                    .getDeclaredConstructor(byte[].class, long.class, boolean.class);
            write.setAccessible(true);
        }

        @SuppressWarnings("unchecked")
        EntryProcessor<Object, byte[], byte[]> next(byte[] payload) {
            try {
                return (EntryProcessor<Object, byte[], byte[]>) write.newInstance(value.invoke(null, ++version,
                        payload), -1L, false);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot build a versioned write", e);
            }
        }
    }
}
