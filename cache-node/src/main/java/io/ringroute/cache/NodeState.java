package io.ringroute.cache;

/** Whether a cluster client reads from a node. */
public enum NodeState {
    /** Serving reads and writes. */
    UP,
    /** Out of the read path after failures (or unreachable since start); probed with backoff until it answers. */
    EJECTED
}
