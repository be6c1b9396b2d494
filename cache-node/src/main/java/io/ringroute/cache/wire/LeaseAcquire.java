package io.ringroute.cache.wire;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;

/**
 * Runs on a key's primary node, on its partition thread: a client missed the key and asks to load it ({@code Leases} in the client).
 * Returns the value if one is there now; the lease another client holds if it has not expired (by the node's
 * clock); otherwise stores and returns a new lease with the caller's token, carrying the version of the tombstone
 * (or nothing) it replaces.
 */
public final class LeaseAcquire extends NodeEntryProcessor<byte[]> {

    private long token;
    private long leaseMillis;
    private long ttlMillis;

    /** For deserialization on the member. */
    public LeaseAcquire() {
    }

    /**
     * @param token       the caller's lease token
     * @param leaseMillis how long others wait for the caller's value before they may take the lease over
     * @param ttlMillis   how long the lease entry lives (at least a tombstone's life: it stands in for one)
     */
    public LeaseAcquire(long token, long leaseMillis, long ttlMillis) {
        this.token = token;
        this.leaseMillis = leaseMillis;
        this.ttlMillis = ttlMillis;
    }

    @Override
    public byte[] process(Map.Entry<Object, byte[]> entry) {
        byte[] present = entry.getValue();
        long now = System.currentTimeMillis();
        if (Versioned.isLive(present) || (Versioned.isLease(present) && Versioned.leaseExpiry(present) > now)) {
            return present;
        }
        byte[] lease = Versioned.lease(present == null ? Versioned.UNVERSIONED : Versioned.version(present), token,
                now + leaseMillis);
        store(entry, lease, ttlMillis);
        return lease;
    }

    @Override
    public int getClassId() {
        return CoherenceSerializables.LEASE_ACQUIRE;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(token);
        out.writeLong(leaseMillis);
        out.writeLong(ttlMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        token = in.readLong();
        leaseMillis = in.readLong();
        ttlMillis = in.readLong();
        if (leaseMillis < 1 || ttlMillis < leaseMillis) {
            throw new IOException("a lease needs a positive time and an entry that lives as long, got " + leaseMillis
                    + " and " + ttlMillis + " ms");
        }
    }
}
