package io.ringroute.cache;

import java.time.Instant;

/**
 * Something that happened to a node of a {@link CacheCluster}.
 *
 * @param at     when
 * @param nodeId the node
 * @param kind   what happened
 * @param detail why, in words (the failure that caused an ejection, for instance)
 */
public record NodeEvent(Instant at, String nodeId, Kind kind, String detail) {

    /** The kinds of node events. */
    public enum Kind {
        ADDED,
        REMOVED,
        WEIGHT_CHANGED,
        EJECTED,
        REJOINED
    }

    @Override
    public String toString() {
        return at + " " + nodeId + " " + kind + (detail.isEmpty() ? "" : ": " + detail);
    }
}
