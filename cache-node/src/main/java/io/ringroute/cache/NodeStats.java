package io.ringroute.cache;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Counters of one node as seen by one cluster client, since the client started.
 *
 * @param nodeId         the node
 * @param state          whether it is in the read path now
 * @param hits           reads that found the key on this node
 * @param misses         reads that did not
 * @param errorsByKind   calls that failed, by why (every kind present, 0 when none)
 * @param ejections      times it was taken out of the read path
 * @param entriesMovedIn entries copied to it by membership changes
 * @param keysRepaired   keys it missed (cut off, ejected) brought up to date from a peer instead of deleted
 * @param readLatency    latency of reads in microseconds (a copy)
 * @param writeLatency   latency of writes and deletes in microseconds (a copy)
 * @param clientInstance the name of the Hazelcast client instance connected to the node now (its JMX metrics are
 *                       published under it; a reconnect opens a new one), or null before the first connect
 */
public record NodeStats(String nodeId, NodeState state, long hits, long misses, Map<NodeErrorKind, Long> errorsByKind,
                        long ejections, long entriesMovedIn, long keysRepaired, Histogram readLatency,
                        Histogram writeLatency, String clientInstance) {

    public NodeStats {
        EnumMap<NodeErrorKind, Long> all = new EnumMap<>(NodeErrorKind.class);
        for (NodeErrorKind k : NodeErrorKind.values()) {
            all.put(k, errorsByKind.getOrDefault(k, 0L));
        }
        errorsByKind = Collections.unmodifiableMap(all);
    }

    /** Calls that failed (timeouts, lost connections, other), all kinds together. */
    public long errors() {
        return errorsByKind.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Calls that failed for this reason. */
    public long errors(NodeErrorKind kind) {
        return errorsByKind.get(kind);
    }

    @Override
    public String toString() {
        return String.format("%s %s: %d hits, %d misses, %d errors %s, %d ejections, %d moved in, "
                        + "read p50/p99 %d/%d us", nodeId, state, hits, misses, errors(), errorsByKind, ejections,
                entriesMovedIn, readLatency.getValueAtPercentile(50), readLatency.getValueAtPercentile(99));
    }
}
