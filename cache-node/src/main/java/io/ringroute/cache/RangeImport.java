package io.ringroute.cache;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Runs on the target node: stores exported entries with their remaining time-to-live, unless the key is already
 * there. A key present already was written by a client during the copy and is newer than the exported value.
 * Travels as {@code IdentifiedDataSerializable} ({@link WireFormat}).
 */
final class RangeImport implements Callable<Integer>, HazelcastInstanceAware, WireFormat.Type {

    private final RangeEntries entries;
    private HazelcastInstance member;

    RangeImport(RangeEntries entries) {
        this.entries = entries;
    }

    /** For {@link WireFormat}: {@link #readData} fills it. */
    RangeImport() {
        this(new RangeEntries());
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
    }

    @Override
    public Integer call() {
        IMap<Object, byte[]> map = member.getMap(CacheNode.MAP_NAME);
        int stored = 0;
        for (int i = 0; i < entries.size(); i++) {
            if (map.putIfAbsent(entries.keys[i], entries.values[i], entries.ttlMillis[i], TimeUnit.MILLISECONDS)
                    == null) {
                stored++;
            }
        }
        return stored;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        entries.writeData(out);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        entries.readData(in);
    }

    @Override
    public int getClassId() {
        return WireFormat.RANGE_IMPORT;
    }
}
