package io.ringroute.cache.wire;

import java.util.Arrays;

/**
 * The form a node stores every cache entry in: one kind byte ({@code 'V'} a value, {@code 'T'} a tombstone left by a
 * delete, {@code 'L'} a lease a loading client holds), the entry's version as 8 big-endian bytes, then the codec's
 * bytes for a value, nothing for a tombstone, the lease's token and expiry (node clock, epoch ms) for a lease. A
 * lease carries the version of the tombstone it replaced, so it keeps older writes out as that tombstone did.
 *
 * <p>Nodes apply a write only if it is newer than what they hold ({@link VersionedWrite}), so an old value can never
 * overwrite a newer value or a deletion, whichever client process wrote it. At equal versions a tombstone replaces a
 * value, never the other way round. Bytes without this header (written by something else) count as older than any
 * version.
 */
public final class Versioned {

    static final byte VALUE = 'V';
    static final byte TOMBSTONE = 'T';
    static final byte LEASE = 'L';
    static final int HEADER_BYTES = 9;
    static final int LEASE_BYTES = HEADER_BYTES + 16;
    /** The version of stored bytes that carry no header. */
    public static final long UNVERSIONED = Long.MIN_VALUE;

    private Versioned() {
    }

    public static byte[] value(long version, byte[] payload) {
        byte[] out = new byte[HEADER_BYTES + payload.length];
        header(out, VALUE, version);
        System.arraycopy(payload, 0, out, HEADER_BYTES, payload.length);
        return out;
    }

    public static byte[] tombstone(long version) {
        byte[] out = new byte[HEADER_BYTES];
        header(out, TOMBSTONE, version);
        return out;
    }

    /** A lease with {@code token} until {@code expiresAtMillis} on the node's clock, carrying {@code version}. */
    static byte[] lease(long version, long token, long expiresAtMillis) {
        byte[] out = new byte[LEASE_BYTES];
        header(out, LEASE, version);
        putLong(out, HEADER_BYTES, token);
        putLong(out, HEADER_BYTES + 8, expiresAtMillis);
        return out;
    }

    private static void header(byte[] out, byte kind, long version) {
        out[0] = kind;
        putLong(out, 1, version);
    }

    private static void putLong(byte[] out, int at, long v) {
        for (int i = 0; i < 8; i++) {
            out[at + i] = (byte) (v >>> (56 - 8 * i));
        }
    }

    private static long getLong(byte[] in, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (in[at + i] & 0xFF);
        }
        return v;
    }

    static boolean wellFormed(byte[] stored) {
        return stored != null && stored.length >= HEADER_BYTES
                && (stored[0] == VALUE || (stored[0] == TOMBSTONE && stored.length == HEADER_BYTES)
                || (stored[0] == LEASE && stored.length == LEASE_BYTES));
    }

    public static boolean isTombstone(byte[] stored) {
        return wellFormed(stored) && stored[0] == TOMBSTONE;
    }

    public static boolean isLease(byte[] stored) {
        return wellFormed(stored) && stored[0] == LEASE;
    }

    /** Whether the stored bytes are a value to serve (or bytes without a header), not a deletion or a lease. */
    public static boolean isLive(byte[] stored) {
        return stored != null && !isTombstone(stored) && !isLease(stored);
    }

    public static long leaseToken(byte[] lease) {
        return getLong(lease, HEADER_BYTES);
    }

    static long leaseExpiry(byte[] lease) {
        return getLong(lease, HEADER_BYTES + 8);
    }

    /** The version of stored bytes; {@link #UNVERSIONED} for bytes without a header. */
    public static long version(byte[] stored) {
        if (!wellFormed(stored)) {
        return UNVERSIONED;
        }
        return getLong(stored, 1);
    }

    /**
     * The codec's bytes of a stored value.
     *
     * @throws IllegalArgumentException for a tombstone or bytes without a header
     */
    public static byte[] payload(byte[] stored) {
        if (!wellFormed(stored) || stored[0] != VALUE) {
            throw new IllegalArgumentException("not a versioned cache value ("
                    + (stored == null ? "null" : stored.length + " bytes") + ")");
        }
        return Arrays.copyOfRange(stored, HEADER_BYTES, stored.length);
    }

    /** Just the kind and version of stored bytes, for answers that need no payload. */
    static byte[] headerOf(byte[] stored) {
        return wellFormed(stored) && !isLease(stored) ? Arrays.copyOf(stored, HEADER_BYTES) : tombstone(version(stored));
    }

    /**
     * Whether {@code present} keeps {@code incoming} out: a set needs a newer version (or the same version, to put
     * a tombstone over a value or a lease); a put-if-absent needs no live value and no tombstone or lease of its
     * version or newer.
     */
    static boolean blocks(byte[] present, byte[] incoming, boolean ifAbsent) {
        long held = version(present);
        long offered = version(incoming);
        if (ifAbsent) {
        return isLive(present) || held >= offered;
        }
        if (held != offered) {
            return held > offered;
        }
        return !(isTombstone(incoming) && !isTombstone(present));
    }
}
