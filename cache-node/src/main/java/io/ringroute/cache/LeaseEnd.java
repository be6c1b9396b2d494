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
 * Runs on a key's primary node, on its partition thread: the end of a client's lease ({@link Leases}). Only while the
 * node still holds that very lease (no delete voided it, no other client took it over) it stores the loaded value,
 * or, with none, puts back what the lease replaced (the tombstone it carries, or nothing). Returns whether the
 * lease still stood.
 */
final class LeaseEnd implements EntryProcessor<Object, byte[], Boolean>, IdentifiedDataSerializable {

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
    LeaseEnd(long token, byte[] stored, long ttlMillis, long tombstoneTtlMillis) {
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
        ExtendedMapEntry<Object, byte[]> e = (ExtendedMapEntry<Object, byte[]>) entry;
        long carried = Versioned.version(present);
        if (stored != null) {
            if (ttlMillis < 0) {
                e.setValue(stored);
            } else {
                e.setValue(stored, ttlMillis, TimeUnit.MILLISECONDS);
            }
        } else if (carried == Versioned.UNVERSIONED) {
            e.setValue(null);
        } else {
            e.setValue(Versioned.tombstone(carried), tombstoneTtlMillis, TimeUnit.MILLISECONDS);
        }
        return Boolean.TRUE;
    }

    /** Nodes keep no backups (replication is the client's), so there is nothing to apply on one. */
    @Override
    public EntryProcessor<Object, byte[], Boolean> getBackupProcessor() {
        return null;
    }

    @Override
    public int getFactoryId() {
        return CoherenceSerializables.FACTORY_ID;
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
