package io.ringroute.cache.wire;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;

/**
 * Runs on a node, on the key's partition thread: an invalidation's delete (the WAL invalidator's), which must
 * remove the value whatever its version, yet keep every older write out afterwards. Whatever the node holds (a
 * value, a lease, bytes without a header) becomes a tombstone at the newer of the invalidation's version and the
 * held one; a tombstone that new or newer stays as it is; an absent key gets a tombstone at the invalidation's
 * version (none for {@link Versioned#UNVERSIONED}, which orders nothing). So "set only if newer" holds against
 * invalidations too: a put in flight with an older version cannot bring the value back.
 *
 * <p>In its older-only form the invalidation knows the version {@code v} the changed row's values carry now: a value
 * or tombstone at {@code v} or newer stays (it is the current row, or newer), anything older becomes a tombstone at
 * {@code v - 1}, and an absent key gets one too. A reload of the current row is then cached at once, while every
 * older value, also one loaded before the change, stays out.
 */
public final class Invalidate extends NodeEntryProcessor<Object> {

    private long version;
    private long ttlMillis;
    private boolean olderOnly;

    /** For deserialization on the member. */
    public Invalidate() {
    }

    /**
     * @param version   the deletion's version; {@link Versioned#UNVERSIONED} to take only the held one's
     * @param ttlMillis how long the tombstone keeps older writes out
     */
    public Invalidate(long version, long ttlMillis) {
        this(version, ttlMillis, false);
    }

    /** @param olderOnly drop only what is older than {@code version}, the row's current version */
    public Invalidate(long version, long ttlMillis, boolean olderOnly) {
        this.version = version;
        this.ttlMillis = ttlMillis;
        this.olderOnly = olderOnly;
    }

    @Override
    public Object process(Map.Entry<Object, byte[]> entry) {
        byte[] present = entry.getValue();
        long held = present == null ? Versioned.UNVERSIONED : Versioned.version(present);
        if (olderOnly) {
            if (present != null && Versioned.isLease(present)) {
                store(entry, Versioned.tombstone(Math.max(held, version - 1)), ttlMillis); // void the load
            } else if (present == null || held < version - 1
                    || held == version - 1 && !Versioned.isTombstone(present)) {
                store(entry, Versioned.tombstone(version - 1), ttlMillis);
            }
            return null;
        }
        if (present == null ? version == Versioned.UNVERSIONED : Versioned.isTombstone(present) && held >= version) {
            return null;
        }
        store(entry, Versioned.tombstone(Math.max(held, version)), ttlMillis);
        return null;
    }

    @Override
    public int getClassId() {
        return CoherenceSerializables.INVALIDATE;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(version);
        out.writeLong(ttlMillis);
        out.writeBoolean(olderOnly);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        version = in.readLong();
        ttlMillis = in.readLong();
        olderOnly = in.readBoolean();
        if (ttlMillis < 1000) {
            throw new IOException("an invalidation's tombstone must live at least 1 s, was " + ttlMillis + " ms");
        }
    }
}
