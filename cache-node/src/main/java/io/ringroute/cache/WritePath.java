package io.ringroute.cache;

import io.ringroute.cache.wire.CacheKeys;
import io.ringroute.cache.wire.Versioned;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cluster client's writes: values, deletions (tombstones) and batches to every replica, versioned by the caller
 * or by this process's clock; {@code putIfAbsent} decided by the key's first reachable replica.
 */
final class WritePath<V> {

    private final Replicas replicas;
    private final StoredValues<V> values;
    private final Runnable ensureOpen;
    private final long tombstoneTtlMillis;

    WritePath(Replicas replicas, StoredValues<V> values, Runnable ensureOpen, long tombstoneTtlMillis) {
        this.replicas = replicas;
        this.values = values;
        this.ensureOpen = ensureOpen;
        this.tombstoneTtlMillis = tombstoneTtlMillis;
    }

    /** Caches a value at the clock's next version; {@code ttlMillis} -1 for the nodes' default. */
    void put(Object key, long token, V value, long ttlMillis) {
        put(key, token, value, values.clock().next(), ttlMillis);
    }

    void put(Object key, long token, V value, long version, long ttlMillis) {
        write(key, token, values.encode(key, value, version), ttlMillis);
    }

    V putIfAbsent(Object key, long token, V value, long ttlMillis) {
        byte[] stored = values.encode(key, value, values.clock().next());
        ensureOpen.run();
        byte[] present = replicas.putIfAbsent(key, token, stored, ttlMillis);
        return present == null ? null : values.decode(present, key);
    }

    void delete(Object key, long token, long version) {
        write(key, token, Versioned.tombstone(version), tombstoneTtlMillis);
    }

    long nextVersion() {
        return values.clock().next();
    }

    /** Caches many values with one version and TTL; nothing is written if any entry is bad. */
    void putAll(Map<String, V> entries, long ttlMillis) {
        ensureOpen.run();
        if (entries == null) {
            throw new IllegalArgumentException("entries must not be null");
        }
        long version = values.clock().next();
        Map<String, byte[]> encoded = new LinkedHashMap<>();
        entries.forEach((k, v) -> encoded.put(CacheKeys.require(k), values.encode(k, v, version)));
        replicas.writeAll(encoded, ttlMillis);
    }

    /** Writes stored bytes (a value or a tombstone) to every replica. */
    void write(Object key, long token, byte[] stored, long ttlMillis) {
        ensureOpen.run();
        replicas.write(key, token, stored, ttlMillis);
    }
}
