package io.ringroute.cache.wire;

import com.hazelcast.map.IMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs on the target node: stores exported entries with their remaining time-to-live, unless the key is already
 * there. A key present already was written by a client during the copy and is newer than the exported value.
 * Travels as {@code IdentifiedDataSerializable} ({@link WireFormat}).
 */
public final class RangeImport extends NodeTask<Integer, RangeEntries> {

    public RangeImport(RangeEntries entries) {
        super(entries);
    }

    /** For {@link WireFormat}: {@link #readData} fills it. */
    RangeImport() {
        this(new RangeEntries());
    }

    @Override
    public Integer call() {
        IMap<Object, byte[]> map = map();
        int stored = 0;
        for (int i = 0; i < payload.size(); i++) {
            if (map.putIfAbsent(payload.keys[i], payload.values[i], payload.ttlMillis[i], TimeUnit.MILLISECONDS)
                    == null) {
                stored++;
            }
        }
        return stored;
    }

    @Override
    public int getClassId() {
        return WireFormat.RANGE_IMPORT;
    }
}
