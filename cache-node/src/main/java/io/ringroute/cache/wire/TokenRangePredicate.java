package io.ringroute.cache.wire;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.query.Predicate;
import io.ringroute.ring.TokenRange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

/**
 * Selects the entries whose key token lies in a set of token ranges. Evaluated on the member, so a node sends only
 * the entries of the ranges that move instead of its whole map.
 *
 * <p>The ranges are kept as sorted closed intervals {@code [lo, hi]} (a wrapping range splits in two), so a test is
 * one binary search. It travels as {@code IdentifiedDataSerializable} ({@link WireFormat}); a received one is
 * checked to be such a sorted list before it is used.
 */
public final class TokenRangePredicate implements Predicate<Object, byte[]>, WireFormat.Type {

    private long[] lo;
    private long[] hi;

    /** For {@link WireFormat}: {@link #readData} fills it. */
    TokenRangePredicate() {
        this(new long[0], new long[0]);
    }

    private TokenRangePredicate(long[] lo, long[] hi) {
        this.lo = lo;
        this.hi = hi;
    }

    /** The ranges must not overlap (the ranges of a rebalance plan never do). */
    public static TokenRangePredicate of(Collection<TokenRange> ranges) {
        var intervals = new ArrayList<TokenRange.Interval>();
        ranges.forEach(r -> intervals.addAll(r.intervals()));
        intervals.sort((a, b) -> Long.compare(a.lo(), b.lo()));
        long[] lo = new long[intervals.size()];
        long[] hi = new long[intervals.size()];
        for (int i = 0; i < lo.length; i++) {
            lo[i] = intervals.get(i).lo();
            hi[i] = intervals.get(i).hi();
        }
        return new TokenRangePredicate(lo, hi);
    }

    boolean containsToken(long token) {
        int i = Arrays.binarySearch(lo, token);
        if (i < 0) {
            i = -i - 2; // the last interval starting below the token
        }
        return i >= 0 && token <= hi[i];
    }

    @Override
    public boolean apply(Map.Entry<Object, byte[]> entry) {
        return containsToken(CacheKeys.token(entry.getKey()));
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLongArray(lo);
        out.writeLongArray(hi);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        long[] l = in.readLongArray();
        long[] h = in.readLongArray();
        if (l == null || h == null || l.length != h.length) {
            throw new IOException("token range predicate needs as many interval ends as starts");
        }
        for (int i = 0; i < l.length; i++) {
            if (l[i] > h[i] || i > 0 && l[i] <= h[i - 1]) {
                throw new IOException("token range predicate intervals must be sorted, disjoint and non-empty");
            }
        }
        this.lo = l;
        this.hi = h;
    }

    @Override
    public int getClassId() {
        return WireFormat.TOKEN_RANGE_PREDICATE;
    }

    @Override
    public String toString() {
        return "TokenRangePredicate{" + lo.length + " intervals}";
    }
}
