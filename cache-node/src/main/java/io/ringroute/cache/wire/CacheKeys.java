package io.ringroute.cache.wire;

import io.ringroute.ring.KeyHash;
import java.nio.ByteBuffer;

/**
 * The two key types a cache accepts, String and byte[], as the nodes store them. Both hash through
 * {@link KeyHash}, so a member can compute a key's token from the stored key alone.
 */
public final class CacheKeys {

    private CacheKeys() {
    }

    public static String require(String key) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key must not be empty");
        }
        return key;
    }

    public static byte[] require(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("key must not be empty (0 bytes)");
        }
        return key;
    }

    /** The token of a stored key (a String or a byte[]). */
    public static long token(Object key) {
        if (key instanceof String s) {
            return KeyHash.token(s);
        }
        if (key instanceof byte[] b) {
            return KeyHash.token(b);
        }
        throw new IllegalArgumentException("cache keys are String or byte[], got " + key.getClass().getName());
    }

    /** A form with value equality, for sets and maps: byte arrays compare by identity otherwise. */
    public static Object identity(Object key) {
        return key instanceof byte[] b ? ByteBuffer.wrap(b) : key;
    }

    /** The stored form of an {@link #identity}. */
    public static Object stored(Object identity) {
        return identity instanceof ByteBuffer b ? b.array() : identity;
    }

    public static String describe(Object key) {
        return key instanceof byte[] b ? b.length + "-byte key" : "key '" + key + "'";
    }
}
