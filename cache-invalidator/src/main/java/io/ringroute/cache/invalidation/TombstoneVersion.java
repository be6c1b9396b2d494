package io.ringroute.cache.invalidation;

import io.ringroute.cache.ClockVersion;

/**
 * The version the tombstone of an invalidation carries on the cache nodes (it keeps every write no newer than it
 * out for the cluster's {@code tombstoneTtl}). Pick the one that matches how the application versions its cache
 * writes; in both, a tombstone is never older than the value it replaces.
 */
public enum TombstoneVersion {

    /**
     * The invalidator's clock when it delivers, in the cache client's clock form ({@link ClockVersion}), as a
     * client's {@code delete(key)} at that moment would carry: for key spaces written with the client's clock
     * versions (plain {@code put}, {@code getOrLoad}). A load that started before the delivery, which may have read
     * the row before the change, can then no longer be cached. The default. Assumes the hosts' clocks agree: a
     * client clock behind the invalidator's keeps its own fresh loads out (uncached) for up to that skew.
     */
    CLOCK {
        @Override
        long at(long epochMillis) {
            return ClockVersion.at(epochMillis);
        }
    },

    /**
     * Only the version of the value each node holds: for key spaces written with caller versions of another kind
     * (row versions, sequences, commit LSNs). Writes no newer than the deleted value stay out; a key no node holds
     * gets no tombstone.
     */
    HELD {
        @Override
        long at(long epochMillis) {
            return Long.MIN_VALUE;
        }
    };

    /** The tombstones' version for a delivery at {@code epochMillis}. */
    abstract long at(long epochMillis);
}
