package io.ringroute.ring;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import net.openhft.hashing.LongHashFunction;

/**
 * The one key hash of ringroute: maps a key to its 64-bit ring token. Every component that stores or routes by
 * token (the ring, the shard router's token column, the cache client) hashes through here.
 *
 * <p>The token is the low 64 bits of MurmurHash3_x64_128 with seed 0 of the key's bytes, read as a signed Java
 * long (the first 8 bytes of the 128-bit output, little-endian):
 * <ul>
 *   <li>{@code String}: its UTF-8 encoding (unpaired surrogates become '?', as {@link String#getBytes} does);</li>
 *   <li>{@code byte[]}: the bytes as given;</li>
 *   <li>{@code long}: its 8 bytes in little-endian order.</li>
 * </ul>
 * ASCII strings are hashed straight from their chars, without copying; other strings are encoded first.
 */
public final class KeyHash {

    static final LongHashFunction MURMUR3 = LongHashFunction.murmur_3();
    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private KeyHash() {
    }

    /** Token of a string key (its UTF-8 bytes). */
    public static long token(String key) {
        requireKey(key);
        int n = key.length();
        for (int i = 0; i < n; i++) {
            if (key.charAt(i) >= 0x80) {
                return MURMUR3.hashBytes(key.getBytes(StandardCharsets.UTF_8));
            }
        }
        return MURMUR3.hash(key, AsciiStringAccess.INSTANCE, 0, n);
    }

    /** Token of a binary key. */
    public static long token(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        return MURMUR3.hashBytes(key);
    }

    /** Token of a numeric key (its 8 bytes, little-endian). */
    public static long token(long key) {
        // hashLong reads the value in native order; the spec fixes little-endian bytes on every platform.
        return MURMUR3.hashLong(NATIVE_LITTLE_ENDIAN ? key : Long.reverseBytes(key));
    }

    private static void requireKey(String key) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
    }
}
