package io.ringroute.cache.wire;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;

/**
 * Runs on a node, on the key's partition thread: stores a {@link Versioned} value or tombstone only if it is newer
 * than what the node holds ({@link Versioned#blocks}). Atomic per key, so concurrent writers from any number of
 * client processes end with the newest version, whatever order their calls arrive in.
 *
 * <p>A tombstone always replaces a lease (a delete voids it, see {@link Lease}).
 *
 * <p>Returns null when stored; otherwise what kept it out: the present entry for a put-if-absent, only its header
 * (kind and version) for a set.
 */
public final class VersionedWrite extends NodeEntryProcessor<byte[]> {

    private byte[] stored;
    private long ttlMillis;
    private boolean ifAbsent;

    /** For deserialization on the member. */
    public VersionedWrite() {
    }

    /**
     * @param stored    the {@link Versioned} bytes to store
     * @param ttlMillis time to live; negative for the node's default
     * @param ifAbsent  store only if no live value is there (and no tombstone as new or newer)
     */
    public VersionedWrite(byte[] stored, long ttlMillis, boolean ifAbsent) {
        this.stored = stored;
        this.ttlMillis = ttlMillis;
        this.ifAbsent = ifAbsent;
    }

    @Override
    public byte[] process(Map.Entry<Object, byte[]> entry) {
        byte[] present = entry.getValue();
        byte[] next = stored;
        if (Versioned.isLease(present) && Versioned.isTombstone(stored)) {
            // a delete voids a lease whatever its version; the tombstone keeps the lease's if newer
            next = Versioned.tombstone(Math.max(Versioned.version(present), Versioned.version(stored)));
        } else if (present != null && Versioned.blocks(present, stored, ifAbsent)) {
            return ifAbsent ? present : Versioned.headerOf(present);
        }
        store(entry, next, ttlMillis);
        return null;
    }

    @Override
    public int getClassId() {
        return CoherenceSerializables.VERSIONED_WRITE;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByteArray(stored);
        out.writeLong(ttlMillis);
        out.writeBoolean(ifAbsent);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        stored = in.readByteArray();
        ttlMillis = in.readLong();
        ifAbsent = in.readBoolean();
        if (!Versioned.wellFormed(stored)) {
            throw new IOException("a versioned write must carry a versioned value or tombstone");
        }
    }
}
