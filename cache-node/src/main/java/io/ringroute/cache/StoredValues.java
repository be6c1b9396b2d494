package io.ringroute.cache;

import io.ringroute.cache.wire.CacheKeys;
import io.ringroute.cache.wire.Versioned;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Values in the {@link Versioned} form the nodes store: encoded through the client's {@link ValueCodec} with a
 * version, checked against the size limit, and decoded back (a tombstone or bytes the codec cannot read decode to
 * null; the latter are counted). Every version read pushes this process's {@link HybridClock} past it.
 */
final class StoredValues<V> {

    private static final Logger LOG = LoggerFactory.getLogger(StoredValues.class);
    private static final Duration MAX_TTL = Duration.ofSeconds(Integer.MAX_VALUE);

    private final ValueCodec<V> codec;
    private final int maxValueBytes;
    private final HybridClock clock;
    private final LongAdder decodeErrors = new LongAdder();

    StoredValues(ValueCodec<V> codec, int maxValueBytes, HybridClock clock) {
        this.codec = codec;
        this.maxValueBytes = maxValueBytes;
        this.clock = clock;
    }

    HybridClock clock() {
        return clock;
    }

    long decodeErrors() {
        return decodeErrors.sum();
    }

    /** Null for a tombstone, and for bytes the codec (or the version header) cannot read, which are counted. */
    V decode(byte[] stored, Object key) {
        clock.observe(Versioned.version(stored));
        if (!Versioned.isLive(stored)) {
            return null;
        }
        try {
            return codec.decode(Versioned.payload(stored));
        } catch (RuntimeException e) {
            if (decodeErrors.sum() == 0) {
                LOG.warn("codec {} cannot decode the cached value of {} ({} bytes): {}; served as a miss", codec,
                        CacheKeys.describe(key), stored.length, e.toString());
            }
            decodeErrors.increment();
            return null;
        }
    }

    byte[] encode(Object key, V value, long version) {
        if (value == null) {
            throw new IllegalArgumentException("value for " + CacheKeys.describe(key)
                    + " must not be null (delete removes a key)");
        }
        byte[] bytes = codec.encode(value);
        if (bytes == null) {
            throw new IllegalArgumentException("codec " + codec + " encoded the value for " + CacheKeys.describe(key)
                    + " as null");
        }
        if (bytes.length > maxValueBytes) {
            throw new IllegalArgumentException("value for " + CacheKeys.describe(key) + " is " + bytes.length
                    + " bytes, over the maximum of " + maxValueBytes + " (maxValueBytes)");
        }
        return Versioned.value(version, bytes);
    }

    /** Nodes keep expiry times in whole seconds, at most {@link Integer#MAX_VALUE} of them; so round up. */
    static long ttlMillis(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero() || ttl.toMillis() < 1) {
            throw new IllegalArgumentException("ttl must be at least 1 ms, was " + ttl);
        }
        if (ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("ttl must be at most " + MAX_TTL + " (what a node can hold), was "
                    + ttl);
        }
        return (ttl.toMillis() + 999) / 1000 * 1000;
    }

    /** {@link #ttlMillis}, or -1 (the nodes' default) for null. */
    static long ttlMillisOrDefault(Duration ttl) {
        return ttl == null ? -1 : ttlMillis(ttl);
    }
}
