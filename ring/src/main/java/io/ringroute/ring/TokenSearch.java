package io.ringroute.ring;

import java.util.Arrays;

/**
 * The ring's one lookup rule on a circle cut at sorted token ends: a token belongs to the arc of the first end at or
 * clockwise after it, and a token above the last end wraps to the first arc. Every table that keeps sorted arc ends
 * (the ring, a shard routing table, a rebalance plan) finds arcs with {@link #arcIndex}.
 */
public final class TokenSearch {

    private TokenSearch() {
    }

    /**
     * The index of the arc holding {@code token}: the first {@code i} with {@code ends[i] >= token} (signed order),
     * or 0 when {@code token} is above every end (the arc of {@code ends[0]} wraps). A binary search.
     *
     * @param ends arc ends in ascending signed order, not empty
     * @throws IllegalArgumentException if {@code ends} is empty
     */
    public static int arcIndex(long[] ends, long token) {
        if (ends.length == 0) {
            throw new IllegalArgumentException("no arc ends to search: the circle has no tokens");
        }
        return arcIndex(ends, 0, token);
    }

    /** {@link #arcIndex(long[], long)} knowing that every end before {@code from} is below {@code token}. */
    static int arcIndex(long[] ends, int from, long token) {
        int i = Arrays.binarySearch(ends, from, ends.length, token);
        if (i < 0) {
            i = -i - 1;
        }
        return i == ends.length ? 0 : i;
    }
}
