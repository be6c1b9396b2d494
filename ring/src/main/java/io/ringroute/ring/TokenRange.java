package io.ringroute.ring;

import java.util.List;

/**
 * A half-open arc of the token circle, {@code (start, end]}: it excludes {@code start} and includes {@code end},
 * walking upwards from {@code start} and wrapping from {@link Long#MAX_VALUE} to {@link Long#MIN_VALUE}.
 *
 * <p>A range with {@code start < end} is plain. A range with {@code start > end} wraps around: it holds the tokens
 * above {@code start} and those up to {@code end}. A range with {@code start == end} is the whole circle (a ring
 * with a single token owns everything).
 *
 * @param start exclusive lower bound
 * @param end   inclusive upper bound
 */
public record TokenRange(long start, long end) {

    private static final double TWO_TO_64 = 0x1p64;

    /** True when the range crosses the top of the token space (or is the whole circle). */
    public boolean wraps() {
        return start >= end;
    }

    /** True when this is the whole circle. */
    public boolean isFullCircle() {
        return start == end;
    }

    public boolean contains(long token) {
        if (start < end) {
            return token > start && token <= end;
        }
        if (start > end) {
            return token > start || token <= end;
        }
        return true;
    }

    /**
     * This range as closed intervals that do not wrap, in walking order from {@code start}: {@code [start + 1, end]}
     * for a plain range; {@code [start + 1, Long.MAX_VALUE]} then {@code [Long.MIN_VALUE, end]} for a wrapping one
     * (only the second when {@code start} is {@code Long.MAX_VALUE}); {@code [Long.MIN_VALUE, Long.MAX_VALUE]} for
     * the whole circle. For a store that filters by {@code token BETWEEN lo AND hi}.
     */
    public List<Interval> intervals() {
        if (start < end) {
            return List.of(new Interval(start + 1, end));
        }
        if (start == end) {
            return List.of(new Interval(Long.MIN_VALUE, Long.MAX_VALUE));
        }
        if (start == Long.MAX_VALUE) {
            return List.of(new Interval(Long.MIN_VALUE, end));
        }
        return List.of(new Interval(start + 1, Long.MAX_VALUE), new Interval(Long.MIN_VALUE, end));
    }

    /**
     * A closed interval {@code [lo, hi]} of tokens that does not wrap ({@code lo <= hi}).
     *
     * @param lo the smallest token in it
     * @param hi the largest token in it
     */
    public record Interval(long lo, long hi) {
        public Interval {
            if (lo > hi) {
                throw new IllegalArgumentException("interval [" + lo + ", " + hi + "] is empty: lo must be <= hi");
            }
        }
    }

    /** The number of tokens in the range as an unsigned 64-bit value; the whole circle (2^64) reports 0. */
    public long size() {
        return end - start;
    }

    /** The share of the circle this range covers, in (0, 1]. */
    public double fraction() {
        return isFullCircle() ? 1.0 : unsignedToDouble(end - start) / TWO_TO_64;
    }

    static double unsignedToDouble(long v) {
        return v >= 0 ? v : ((v >>> 1) | (v & 1)) * 2.0;
    }

    @Override
    public String toString() {
        return "(" + start + ", " + end + "]";
    }
}
