package io.ringroute.cache.node;

/** Which entry a full cache node drops first. */
public enum Eviction {
    /** Least recently used. */
    LRU,
    /** Least frequently used. */
    LFU
}
