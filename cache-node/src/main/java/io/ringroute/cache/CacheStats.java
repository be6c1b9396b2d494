package io.ringroute.cache;

import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * A snapshot of a cluster client's counters: per node, and the totals of the cluster's own reads (a read that
 * missed its primary and hit a replica counts once, as a hit).
 *
 * @param hits   reads through the cluster that returned a value
 * @param misses reads through the cluster that returned nothing
 * @param decodeErrors stored values the codec could not decode (served as misses)
 * @param hotKeys keys whose reads this client spreads over their replicas now
 *                ({@link CacheCluster.Builder#spreadHotKeyReads}); 0 when it does not spread
 * @param nodes  per node, ordered by id
 */
public record CacheStats(long hits, long misses, long decodeErrors, int hotKeys, List<NodeStats> nodes) {

    public CacheStats {
        nodes = List.copyOf(nodes);
    }

    /** Hits over reads; 0 before the first read. */
    public double hitRate() {
        long reads = hits + misses;
        return reads == 0 ? 0 : (double) hits / reads;
    }

    public long errors() {
        return nodes.stream().mapToLong(NodeStats::errors).sum();
    }

    public long ejections() {
        return nodes.stream().mapToLong(NodeStats::ejections).sum();
    }

    public long entriesMoved() {
        return nodes.stream().mapToLong(NodeStats::entriesMovedIn).sum();
    }

    /** Read latency of all nodes together, in microseconds. */
    public Histogram readLatency() {
        return merged(true);
    }

    /** Write latency of all nodes together, in microseconds. */
    public Histogram writeLatency() {
        return merged(false);
    }

    public NodeStats node(String id) {
        return nodes.stream().filter(n -> n.nodeId().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no stats for node '" + id + "'"));
    }

    private Histogram merged(boolean reads) {
        Histogram total = new Histogram(NodeCounters.MAX_LATENCY_MICROS, NodeCounters.LATENCY_DIGITS);
        for (NodeStats n : nodes) {
            total.add(reads ? n.readLatency() : n.writeLatency());
        }
        return total;
    }
}
