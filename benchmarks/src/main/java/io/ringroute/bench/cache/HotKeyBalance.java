package io.ringroute.bench.cache;

import io.ringroute.bench.peers.HazelcastKeyPopularity;
import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.CacheStats;
import io.ringroute.cache.NodeStats;
import io.ringroute.cache.node.CacheNode;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The cache latency benchmark's skewed mode: two cluster clients on the same nodes, one reading primary-first and
 * one spreading hot keys' reads over their replicas ({@link CacheCluster.Builder#spreadHotKeyReads}), both on the
 * same keys (so the same placement) drawn by a {@link HazelcastKeyPopularity}, gets and puts mixed; rounds
 * alternate between the clients. It reports each node's share of the calls each client made (reads, fallbacks and
 * every replica write), busiest over mean, and the get/put latency, so the balance and its price are read off one
 * run.
 */
final class HotKeyBalance {

    private static final double GOAL = 1.2;

    /** One client: its keys, its draws and what it measured. */
    private static final class Client {
        final String name;
        final CacheCluster<byte[]> cluster;
        final String[] keys;
        final Histogram gets = new Histogram(3);
        final Histogram puts = new Histogram(3);
        long misses;
        CacheStats before;

        Client(String name, CacheCluster<byte[]> cluster, int keyCount) {
            this.name = name;
            this.cluster = cluster;
            this.keys = new String[keyCount];
            for (int i = 0; i < keyCount; i++) {
                keys[i] = "zipf:" + i; // the same keys for both: the same placement on the ring
            }
        }
    }

    private final HazelcastKeyPopularity popularity;
    private final String popularityLabel;
    private final int replicas;
    private final int ops;
    private final int rounds;
    private final int warmupRounds;
    private final int writePercent;
    private final byte[] value;

    HotKeyBalance(HazelcastKeyPopularity popularity, String popularityLabel, int replicas, int ops, int rounds,
                  int warmupRounds, int writePercent, int valueBytes) {
        this.popularity = popularity;
        this.popularityLabel = popularityLabel;
        this.replicas = replicas;
        this.ops = ops;
        this.rounds = rounds;
        this.warmupRounds = warmupRounds;
        this.writePercent = writePercent;
        this.value = new byte[valueBytes];
    }

    void run(List<CacheNode> nodes, int keyCount, PrintStream out) {
        Client plain = new Client("primary-first", cluster(nodes, false), keyCount);
        Client spread = new Client("hot keys spread", cluster(nodes, true), keyCount);
        List<Client> clients = List.of(plain, spread);
        try {
            for (Client c : clients) {
                Map<String, byte[]> all = new LinkedHashMap<>();
                for (String k : c.keys) {
                    all.put(k, value);
                }
                c.cluster.putAll(all);
            }
            SplittableRandom random = new SplittableRandom(42);
            for (int round = 0; round < warmupRounds + rounds; round++) {
                if (round == warmupRounds) {
                    clients.forEach(c -> c.before = c.cluster.stats());
                }
                boolean record = round >= warmupRounds;
                for (Client c : round % 2 == 0 ? clients : List.of(spread, plain)) {
                    round(c, random, record);
                }
            }
            print(nodes.size(), keyCount, clients, out);
        } finally {
            clients.forEach(c -> c.cluster.close());
        }
    }

    private CacheCluster<byte[]> cluster(List<CacheNode> nodes, boolean spreadHotKeys) {
        CacheCluster.Builder<byte[]> b = CacheCluster.builder().replicationFactor(replicas)
                .spreadHotKeyReads(spreadHotKeys);
        nodes.forEach(n -> b.node(n.name(), n.address()));
        return b.build();
    }

    private void round(Client c, SplittableRandom random, boolean record) {
        for (int i = 0; i < ops; i++) {
            String k = c.keys[popularity.next(random)];
            boolean write = random.nextInt(100) < writePercent;
            long t0 = System.nanoTime();
            if (write) {
                c.cluster.put(k, value);
            } else if (c.cluster.get(k) == null) {
                c.misses++;
            }
            long took = System.nanoTime() - t0;
            if (record) {
                (write ? c.puts : c.gets).recordValue(took);
            }
        }
    }

    private void print(int nodeCount, int keyCount, List<Client> clients, PrintStream out) {
        out.printf("%n%s over %,d keys per client, %d%% puts, R=%d, %d nodes, %,d ops per client and round x %d"
                        + " rounds (after %d warm-up rounds), 1 thread, in-process nodes on loopback%n%n",
                popularityLabel, keyCount, writePercent, replicas, nodeCount, ops, rounds, warmupRounds);
        Map<String, Map<String, Long>> calls = new LinkedHashMap<>();
        for (Client c : clients) {
            calls.put(c.name, callsPerNode(c.before, c.cluster.stats()));
        }
        StringBuilder head = new StringBuilder("| node |");
        StringBuilder rule = new StringBuilder("|---|");
        for (Client c : clients) {
            head.append(' ').append(c.name).append(" calls | share |");
            rule.append("---:|---:|");
        }
        out.println(head);
        out.println(rule);
        for (String node : calls.get(clients.get(0).name).keySet()) {
            StringBuilder row = new StringBuilder("| " + node + " |");
            for (Client c : clients) {
                Map<String, Long> perNode = calls.get(c.name);
                long n = perNode.getOrDefault(node, 0L);
                row.append(String.format(" %,d | %.1f%% |", n, 100.0 * n / total(perNode)));
            }
            out.println(row);
        }
        out.println();
        out.println("| client | busiest / mean node | hot keys | get p50 us | get p99 us | put p50 us | put p99 us |"
                + " misses |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Client c : clients) {
            double ratio = busiestOverMean(calls.get(c.name));
            out.printf("| %s | %.2fx (goal <= %.1fx: %s) | %d | %.1f | %.1f | %.1f | %.1f | %d |%n", c.name, ratio,
                    GOAL, ratio <= GOAL ? "met" : "missed", c.cluster.stats().hotKeys(), micros(c.gets, 50),
                    micros(c.gets, 99), micros(c.puts, 50), micros(c.puts, 99), c.misses);
        }
    }

    /** Calls each node served for one client between two snapshots: reads (with fallbacks) and writes. */
    private static Map<String, Long> callsPerNode(CacheStats before, CacheStats after) {
        Map<String, Long> calls = new TreeMap<>();
        for (NodeStats n : after.nodes()) {
            NodeStats then = before.node(n.nodeId());
            calls.put(n.nodeId(), n.readLatency().getTotalCount() + n.writeLatency().getTotalCount()
                    - then.readLatency().getTotalCount() - then.writeLatency().getTotalCount());
        }
        return calls;
    }

    private static long total(Map<String, Long> perNode) {
        return Math.max(1, perNode.values().stream().mapToLong(Long::longValue).sum());
    }

    private static double busiestOverMean(Map<String, Long> perNode) {
        long max = perNode.values().stream().mapToLong(Long::longValue).max().orElse(0);
        return max / ((double) total(perNode) / perNode.size());
    }

    private static double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
    }
}
