package io.ringroute.cache.wire;

import com.hazelcast.core.EntryView;
import com.hazelcast.map.IMap;
import java.util.Arrays;
import java.util.Set;

/**
 * Runs on the source node: reads the entries whose tokens fall in the given ranges, with their remaining
 * time-to-live. Reading the entry views on the member costs no network round trip per key. Travels as
 * {@code IdentifiedDataSerializable} ({@link WireFormat}).
 */
public final class RangeExport extends NodeTask<RangeEntries, TokenRangePredicate> {

    public RangeExport(TokenRangePredicate ranges) {
        super(ranges);
    }

    /** For {@link WireFormat}: {@link #readData} fills it. */
    RangeExport() {
        this(new TokenRangePredicate());
    }

    @Override
    public RangeEntries call() {
        IMap<Object, byte[]> map = map();
        Set<Object> keys = map.keySet(payload);
        Object[] outKeys = new Object[keys.size()];
        byte[][] values = new byte[keys.size()][];
        long[] ttl = new long[keys.size()];
        int n = 0;
        for (Object key : keys) {
            EntryView<Object, byte[]> view = map.getEntryView(key);
            if (view == null) {
                continue; // expired or evicted since the key scan
            }
            long expires = view.getExpirationTime();
            long remaining;
            if (expires == Long.MAX_VALUE || expires <= 0) {
                remaining = RangeEntries.NO_EXPIRY;
            } else {
                remaining = expires - System.currentTimeMillis();
                if (remaining <= 0) {
                    continue;
                }
            }
            outKeys[n] = key;
            values[n] = view.getValue();
            ttl[n] = remaining;
            n++;
        }
        return new RangeEntries(Arrays.copyOf(outKeys, n), Arrays.copyOf(values, n), Arrays.copyOf(ttl, n));
    }

    @Override
    public int getClassId() {
        return WireFormat.RANGE_EXPORT;
    }
}
