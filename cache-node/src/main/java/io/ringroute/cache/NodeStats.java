package io.ringroute.cache;

import org.HdrHistogram.Histogram;

/**
 * Counters of one node as seen by one cluster client, since the client started.
 *
 * @param nodeId         the node
 * @param state          whether it is in the read path now
 * @param hits           reads that found the key on this node
 * @param misses         reads that did not
 * @param errors         calls that failed (timeouts, lost connections)
 * @param ejections      times it was taken out of the read path
 * @param entriesMovedIn entries copied to it by membership changes
 * @param keysRepaired   keys it missed (cut off, ejected) brought up to date from a peer instead of deleted
 * @param readLatency    latency of reads in microseconds (a copy)
 * @param writeLatency   latency of writes and deletes in microseconds (a copy)
 */
public record NodeStats(String nodeId, NodeState state, long hits, long misses, long errors, long ejections,
                        long entriesMovedIn, long keysRepaired, Histogram readLatency, Histogram writeLatency) {

    @Override
    public String toString() {
        return String.format("%s %s: %d hits, %d misses, %d errors, %d ejections, %d moved in, read p50/p99 %d/%d us",
                nodeId, state, hits, misses, errors, ejections, entriesMovedIn,
                readLatency.getValueAtPercentile(50), readLatency.getValueAtPercentile(99));
    }
}
