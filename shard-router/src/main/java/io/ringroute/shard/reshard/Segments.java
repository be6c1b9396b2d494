package io.ringroute.shard.reshard;

import io.ringroute.ring.TokenRange;
import java.util.ArrayList;
import java.util.List;

/**
 * Token ranges as closed, non-wrapping intervals {@code [lo, hi]} for SQL ({@code token BETWEEN lo AND hi}): a
 * plain {@code (start, end]} is one interval, a wrapping one (or the whole circle) is two; several ranges are the
 * concatenation of theirs.
 */
record Segments(List<long[]> parts) {

    Segments {
        parts = List.copyOf(parts);
    }

    static Segments of(TokenRange r) {
        return new Segments(r.intervals().stream().map(i -> new long[]{i.lo(), i.hi()}).toList());
    }

    static Segments of(List<TokenRange> ranges) {
        List<long[]> parts = new ArrayList<>();
        ranges.forEach(r -> parts.addAll(of(r).parts()));
        return new Segments(parts);
    }

    /** The one interval {@code [lo, hi]}. */
    static Segments between(long lo, long hi) {
        return new Segments(List.of(new long[]{lo, hi}));
    }

    /**
     * An SQL condition: {@code column} within one of the intervals. The bounds are written as literals (they are
     * numbers) so that the planner sees them; false for no intervals.
     */
    String condition(String column) {
        if (parts.isEmpty()) {
            return "false";
        }
        StringBuilder b = new StringBuilder("(");
        for (long[] p : parts) {
            if (b.length() > 1) {
                b.append(" OR ");
            }
            b.append(column).append(" BETWEEN ").append(p[0]).append(" AND ").append(p[1]);
        }
        return b.append(')').toString();
    }
}
