package io.ringroute.cache.wire;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;

/**
 * Runs on a key's primary node, on its partition thread: the end of a client's lease ({@code Leases} in the client). Only while the
 * node still holds that very lease (no delete voided it, no other client took it over) it stores the loaded value,
 * or, with none, puts back what the lease replaced (the tombstone it carries, or nothing). Returns whether the
 * lease still stood.
 */
public final class LeaseEnd extends NodeEntryProcessor<Boolean> {

    private long token;
    private byte[] stored;
    private long ttlMillis;
    private long tombstoneTtlMillis;

    /** For deserialization on the member. */
    public LeaseEnd() {
    }

    /**
     * @param token              the lease's token
     * @param stored             the {@link Versioned} value to cache, or null to give the lease back
     * @param ttlMillis          the value's time to live; negative for the node's default
     * @param tombstoneTtlMillis the time to live of a tombstone put back
     */
    public LeaseEnd(long token, byte[] stored, long ttlMillis, long tombstoneTtlMillis) {
        this.token = token;
        this.stored = stored;
        this.ttlMillis = ttlMillis;
        this.tombstoneTtlMillis = tombstoneTtlMillis;
    }

    @Override
    public Boolean process(Map.Entry<Object, byte[]> entry) {
        byte[] present = entry.getValue();
        if (!Versioned.isLease(present) || Versioned.leaseToken(present) != token) {
            return Boolean.FALSE;
        }
        long carried = Versioned.version(present);
        if (stored != null) {
            store(entry, stored, ttlMillis);
        } else if (carried == Versioned.UNVERSIONED) {
            entry.setValue(null);
        } else {
            store(entry, Versioned.tombstone(carried), tombstoneTtlMillis);
        }
        return Boolean.TRUE;
    }

    @Override
    public int getClassId() {
        return CoherenceSerializables.LEASE_END;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(token);
        out.writeByteArray(stored);
        out.writeLong(ttlMillis);
        out.writeLong(tombstoneTtlMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        token = in.readLong();
        stored = in.readByteArray();
        ttlMillis = in.readLong();
        tombstoneTtlMillis = in.readLong();
        if (stored != null && (!Versioned.wellFormed(stored) || stored[0] != Versioned.VALUE)) {
            throw new IOException("a lease can only end with a versioned value");
        }
        if (tombstoneTtlMillis < 1000) {
            throw new IOException("a tombstone must live at least 1 s, was " + tombstoneTtlMillis + " ms");
        }
    }
}
