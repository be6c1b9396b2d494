package io.ringroute.cache;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs on a node, on the key's partition thread: an invalidation's delete (the WAL invalidator's), which must
 * remove the value whatever its version, yet keep every older write out afterwards. Whatever the node holds (a
 * value, a lease, bytes without a header) becomes a tombstone at the newer of the invalidation's version and the
 * held one; a tombstone that new or newer stays as it is; an absent key gets a tombstone at the invalidation's
 * version (none for {@link Versioned#UNVERSIONED}, which orders nothing). So "set only if newer" holds against
 * invalidations too: a put in flight with an older version cannot bring the value back.
 */
final class Invalidate implements EntryProcessor<Object, byte[], Object>, IdentifiedDataSerializable {

    private long version;
    private long ttlMillis;

    /** For deserialization on the member. */
    public Invalidate() {
    }

    /**
     * @param version   the deletion's version; {@link Versioned#UNVERSIONED} to take only the held one's
     * @param ttlMillis how long the tombstone keeps older writes out
     */
    Invalidate(long version, long ttlMillis) {
        this.version = version;
        this.ttlMillis = ttlMillis;
    }

    @Override
    public Object process(Map.Entry<Object, byte[]> entry) {
        byte[] present = entry.getValue();
        long held = present == null ? Versioned.UNVERSIONED : Versioned.version(present);
        if (present == null ? version == Versioned.UNVERSIONED : Versioned.isTombstone(present) && held >= version) {
            return null;
        }
        ((ExtendedMapEntry<Object, byte[]>) entry).setValue(Versioned.tombstone(Math.max(held, version)),
                ttlMillis, TimeUnit.MILLISECONDS);
        return null;
    }

    /** Nodes keep no backups (replication is the client's), so there is nothing to apply on one. */
    @Override
    public EntryProcessor<Object, byte[], Object> getBackupProcessor() {
        return null;
    }

    @Override
    public int getFactoryId() {
        return CoherenceSerializables.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return CoherenceSerializables.INVALIDATE;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(version);
        out.writeLong(ttlMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        version = in.readLong();
        ttlMillis = in.readLong();
        if (ttlMillis < 1000) {
            throw new IOException("an invalidation's tombstone must live at least 1 s, was " + ttlMillis + " ms");
        }
    }
}
