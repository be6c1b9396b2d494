package io.ringroute.cache;

import java.util.Arrays;

/**
 * The form a node stores every cache entry in: one kind byte ({@code 'V'} a value, {@code 'T'} a tombstone left by a
 * delete), the entry's version as 8 big-endian bytes, then the codec's bytes (none for a tombstone).
 *
 * <p>Nodes apply a write only if it is newer than what they hold ({@link VersionedWrite}), so an old value can never
 * overwrite a newer value or a deletion, whichever client process wrote it. At equal versions a tombstone replaces a
 * value, never the other way round. Bytes without this header (written by something else) count as older than any
 * version.
 */
final class Versioned {

    static final byte VALUE = 'V';
    static final byte TOMBSTONE = 'T';
    static final int HEADER_BYTES = 9;
    /** The version of stored bytes that carry no header. */
    static final long UNVERSIONED = Long.MIN_VALUE;

    private Versioned() {
    }

    static byte[] value(long version, byte[] payload) {
        byte[] out = new byte[HEADER_BYTES + payload.length];
        header(out, VALUE, version);
        System.arraycopy(payload, 0, out, HEADER_BYTES, payload.length);
        return out;
    }

    static byte[] tombstone(long version) {
        byte[] out = new byte[HEADER_BYTES];
        header(out, TOMBSTONE, version);
        return out;
    }

    private static void header(byte[] out, byte kind, long version) {
        out[0] = kind;
        for (int i = 0; i < 8; i++) {
            out[1 + i] = (byte) (version >>> (56 - 8 * i));
        }
    }

    static boolean wellFormed(byte[] stored) {
        return stored != null && stored.length >= HEADER_BYTES
                && (stored[0] == VALUE || (stored[0] == TOMBSTONE && stored.length == HEADER_BYTES));
    }

    static boolean isTombstone(byte[] stored) {
        return wellFormed(stored) && stored[0] == TOMBSTONE;
    }

    /** The version of stored bytes; {@link #UNVERSIONED} for bytes without a header. */
    static long version(byte[] stored) {
        if (!wellFormed(stored)) {
            return UNVERSIONED;
        }
        long v = 0;
        for (int i = 1; i < HEADER_BYTES; i++) {
            v = (v << 8) | (stored[i] & 0xFF);
        }
        return v;
    }

    /**
     * The codec's bytes of a stored value.
     *
     * @throws IllegalArgumentException for a tombstone or bytes without a header
     */
    static byte[] payload(byte[] stored) {
        if (!wellFormed(stored) || stored[0] != VALUE) {
            throw new IllegalArgumentException("not a versioned cache value ("
                    + (stored == null ? "null" : stored.length + " bytes") + ")");
        }
        return Arrays.copyOfRange(stored, HEADER_BYTES, stored.length);
    }

    /** Just the kind and version of stored bytes, for answers that need no payload. */
    static byte[] headerOf(byte[] stored) {
        return wellFormed(stored) ? Arrays.copyOf(stored, HEADER_BYTES) : tombstone(UNVERSIONED);
    }

    /**
     * Whether {@code present} keeps {@code incoming} out: a set needs a newer version (or the same version, to put
     * a tombstone over a value); a put-if-absent needs no live value and no tombstone of its version or newer.
     */
    static boolean blocks(byte[] present, byte[] incoming, boolean ifAbsent) {
        long held = version(present);
        long offered = version(incoming);
        if (ifAbsent) {
            return !isTombstone(present) || held >= offered;
        }
        if (held != offered) {
            return held > offered;
        }
        return !(isTombstone(incoming) && !isTombstone(present));
    }
}
