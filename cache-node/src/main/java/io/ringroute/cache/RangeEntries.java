package io.ringroute.cache;

import java.io.Serializable;

/**
 * Entries shipped from one node to another while the ring changes, each with the time it has left to live.
 * Parallel arrays keep the serialized form small.
 */
final class RangeEntries implements Serializable {

    private static final long serialVersionUID = 1L;

    /** A remaining time-to-live meaning "never expires" (Hazelcast reads a TTL of 0 that way). */
    static final long NO_EXPIRY = 0;

    final Object[] keys;
    final byte[][] values;
    final long[] ttlMillis;

    RangeEntries(Object[] keys, byte[][] values, long[] ttlMillis) {
        this.keys = keys;
        this.values = values;
        this.ttlMillis = ttlMillis;
    }

    int size() {
        return keys.length;
    }
}
