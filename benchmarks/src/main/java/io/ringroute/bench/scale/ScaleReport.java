package io.ringroute.bench.scale;

import io.ringroute.cache.CacheStats;
import io.ringroute.cache.NodeStats;
import io.ringroute.demo.ops.LoadGenerator.Operation;
import io.ringroute.shard.RouterMetrics;
import io.ringroute.shard.Role;
import io.ringroute.shard.ServerMetrics;
import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/** The measured part of a scale run: latency per operation, throughput, hit ratio, load per cache node and shard. */
final class ScaleReport {
    static final double TIMELINE_P99_GOAL_MILLIS = 50;
    static final double HIT_RATIO_GOAL = 0.95;

    private final ScaleLoad.Result result;
    private final CacheStats cacheBefore;
    private final CacheStats cacheAfter;
    private final RouterMetrics routerBefore;
    private final RouterMetrics routerAfter;

    ScaleReport(ScaleLoad.Result result, CacheStats cacheBefore, CacheStats cacheAfter, RouterMetrics routerBefore,
                RouterMetrics routerAfter) {
        this.result = result;
        this.cacheBefore = cacheBefore;
        this.cacheAfter = cacheAfter;
        this.routerBefore = routerBefore;
        this.routerAfter = routerAfter;
    }

    void print(PrintStream out) {
        out.printf("measured %.0f s: %,d operations, %,.1f ops/s, %,d errors%s%n", result.seconds(), result.ops(),
                result.opsPerSecond(), result.errors(),
                result.firstError() == null ? "" : " (first: " + result.firstError() + ")");
        out.println("operation   count       p50 ms    p99 ms  p99.9 ms    max ms");
        for (Map.Entry<Operation, Histogram> e : result.latency().entrySet()) {
            Histogram h = e.getValue();
            out.printf("%-10s %,9d %9.2f %9.2f %9.2f %9.2f%n", e.getKey().name().toLowerCase(), h.getTotalCount(),
                    millis(h, 50), millis(h, 99), millis(h, 99.9), h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1e3);
        }
        Histogram timeline = result.latency().get(Operation.TIMELINE);
        double p99 = millis(timeline, 99);
        long hits = cacheAfter.hits() - cacheBefore.hits();
        long reads = hits + cacheAfter.misses() - cacheBefore.misses();
        double hitRatio = reads == 0 ? 0 : (double) hits / reads;
        out.printf("timeline p50 / p99 / p99.9: %.2f / %.2f / %.2f ms (goal p99 <= %.0f ms: %s)%n",
                millis(timeline, 50), p99, millis(timeline, 99.9), TIMELINE_P99_GOAL_MILLIS,
                p99 <= TIMELINE_P99_GOAL_MILLIS ? "met" : "MISSED");
        out.printf("cache hit ratio: %.2f%% of %,d reads (goal >= %.0f%%: %s)%n", 100 * hitRatio, reads,
                100 * HIT_RATIO_GOAL, hitRatio >= HIT_RATIO_GOAL ? "met" : "MISSED");
        printCacheNodes(out);
        printShards(out);
    }

    private void printCacheNodes(PrintStream out) {
        Map<String, Long> calls = new TreeMap<>();
        for (NodeStats after : cacheAfter.nodes()) {
            long now = after.readLatency().getTotalCount() + after.writeLatency().getTotalCount();
            long then = cacheBefore.nodes().stream().filter(n -> n.nodeId().equals(after.nodeId())).findFirst()
                    .map(n -> n.readLatency().getTotalCount() + n.writeLatency().getTotalCount()).orElse(0L);
            calls.put(after.nodeId(), now - then);
        }
        printShares(out, "cache node calls (reads and writes; " + cacheAfter.hotKeys() + " hot keys spread at the end)",
                calls);
    }

    private void printShards(PrintStream out) {
        Map<String, Long> ops = new TreeMap<>();
        Map<String, Long> replicaReads = new TreeMap<>();
        for (ServerMetrics after : routerAfter.servers()) {
            ServerMetrics before = routerBefore.servers().stream()
                    .filter(s -> s.shard().equals(after.shard()) && s.server().equals(after.server())).findFirst()
                    .orElse(null);
            long reads = after.reads() - (before == null ? 0 : before.reads());
            long writes = after.writes() - (before == null ? 0 : before.writes());
            ops.merge(after.shard(), reads + writes, Long::sum);
            if (after.role() == Role.REPLICA) {
                replicaReads.merge(after.shard(), reads, Long::sum);
            }
        }
        printShares(out, "shard operations (reads and write units)", ops);
        replicaReads.forEach((shard, n) -> out.printf("  %s: %,d reads served by its standby (%.1f%% of its"
                + " operations)%n", shard, n, ops.get(shard) == 0 ? 0 : 100.0 * n / ops.get(shard)));
    }

    private static void printShares(PrintStream out, String what, Map<String, Long> counts) {
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        long max = counts.values().stream().mapToLong(Long::longValue).max().orElse(0);
        double mean = counts.isEmpty() ? 0 : (double) total / counts.size();
        out.printf("%s: %,d in all, busiest %.2fx the mean%n", what, total, mean == 0 ? 0 : max / mean);
        counts.forEach((id, n) -> out.printf("  %-10s %,12d  %5.1f%%%n", id, n, total == 0 ? 0 : 100.0 * n / total));
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
    }
}
