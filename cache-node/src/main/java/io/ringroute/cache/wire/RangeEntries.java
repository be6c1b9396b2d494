package io.ringroute.cache.wire;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * Entries shipped from one node to another while the ring changes, each with the time it has left to live.
 * Parallel arrays keep the serialized form small. It travels as {@code IdentifiedDataSerializable}
 * ({@link WireFormat}): a count, then per entry a key kind (String or byte[]), the key, the value and the TTL.
 */
public final class RangeEntries implements WireFormat.Type {

    /** A remaining time-to-live meaning "never expires" (Hazelcast reads a TTL of 0 that way). */
    static final long NO_EXPIRY = 0;

    private static final byte STRING_KEY = 0;
    private static final byte BYTES_KEY = 1;
    /** Arrays for a received batch grow as entries arrive, so a forged count cannot reserve memory. */
    private static final int INITIAL_CAPACITY = 1024;

    Object[] keys;
    byte[][] values;
    long[] ttlMillis;

    public RangeEntries(Object[] keys, byte[][] values, long[] ttlMillis) {
        this.keys = keys;
        this.values = values;
        this.ttlMillis = ttlMillis;
    }

    /** No entries; for {@link WireFormat}, {@link #readData} fills it. */
    public RangeEntries() {
        this(new Object[0], new byte[0][], new long[0]);
    }

    public int size() {
        return keys.length;
    }

    /** The entries whose key {@code keep} accepts, in order. */
    public RangeEntries keeping(Predicate<Object> keep) {
        int n = 0;
        Object[] k = new Object[keys.length];
        byte[][] v = new byte[keys.length][];
        long[] ttl = new long[keys.length];
        for (int i = 0; i < keys.length; i++) {
            if (keep.test(keys[i])) {
                k[n] = keys[i];
                v[n] = values[i];
                ttl[n++] = ttlMillis[i];
            }
        }
        return new RangeEntries(Arrays.copyOf(k, n), Arrays.copyOf(v, n), Arrays.copyOf(ttl, n));
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeInt(keys.length);
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] instanceof String s) {
                out.writeByte(STRING_KEY);
                out.writeString(s);
            } else {
                out.writeByte(BYTES_KEY);
                out.writeByteArray((byte[]) keys[i]);
            }
            out.writeByteArray(values[i]);
            out.writeLong(ttlMillis[i]);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("range entries count must not be negative, was " + n);
        }
        int capacity = Math.min(n, INITIAL_CAPACITY);
        Object[] k = new Object[capacity];
        byte[][] v = new byte[capacity][];
        long[] t = new long[capacity];
        for (int i = 0; i < n; i++) {
            if (i == k.length) {
                capacity = (int) Math.min(n, 2L * capacity);
                k = Arrays.copyOf(k, capacity);
                v = Arrays.copyOf(v, capacity);
                t = Arrays.copyOf(t, capacity);
            }
            byte kind = in.readByte();
            k[i] = switch (kind) {
                case STRING_KEY -> in.readString();
                case BYTES_KEY -> in.readByteArray();
                default -> throw new IOException("range entry key kind must be 0 (String) or 1 (byte[]), was "
                        + kind);
            };
            v[i] = in.readByteArray();
            t[i] = in.readLong();
            if (k[i] == null || v[i] == null || t[i] < 0) {
                throw new IOException("range entry " + i + " needs a key, a value and a TTL >= 0");
            }
        }
        this.keys = k;
        this.values = v;
        this.ttlMillis = t;
    }

    @Override
    public int getClassId() {
        return WireFormat.RANGE_ENTRIES;
    }
}
