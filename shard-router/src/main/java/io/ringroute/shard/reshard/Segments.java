package io.ringroute.shard.reshard;

import io.ringroute.ring.TokenRange;
import java.util.List;

/**
 * A token range as closed, non-wrapping intervals {@code [lo, hi]} for SQL ({@code token BETWEEN lo AND hi}): a
 * plain {@code (start, end]} is one interval, a wrapping one (or the whole circle) is two.
 */
record Segments(List<long[]> parts) {

    static Segments of(TokenRange r) {
        long start = r.start();
        long end = r.end();
        if (start < end) {
            return new Segments(List.of(new long[]{start + 1, end}));
        }
        if (start == Long.MAX_VALUE) {
            return new Segments(List.of(new long[]{Long.MIN_VALUE, end}));
        }
        return new Segments(List.of(new long[]{start + 1, Long.MAX_VALUE}, new long[]{Long.MIN_VALUE, end}));
    }
}
