package io.ringroute.cache;

import io.ringroute.cache.wire.CacheKeys;
import io.ringroute.cache.wire.Versioned;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The cluster client's reads: one key or many, from the first replica that has them, counted as hits or misses. A
 * sample of the reads feeds the {@link HotKeys} sketch; reads of a key it finds hot share out over the key's
 * replicas instead of starting at the primary (cache-node/README.md, "Hot keys").
 */
final class ReadPath<V> {

    private final Replicas replicas;
    private final StoredValues<V> values;
    private final Runnable ensureOpen;
    private final HotKeys hot;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    ReadPath(Replicas replicas, StoredValues<V> values, Runnable ensureOpen, HotKeys hot) {
        this.replicas = replicas;
        this.values = values;
        this.ensureOpen = ensureOpen;
        this.hot = hot;
    }

    V get(Object key, long token) {
        return value(read(key, token), key);
    }

    CacheEntry<V> getEntry(Object key, long token) {
        byte[] stored = read(key, token);
        V value = value(stored, key);
        return value == null ? null : new CacheEntry<>(value, Versioned.version(stored));
    }

    Map<String, V> getAll(Collection<String> keys) {
        ensureOpen.run();
        if (keys == null) {
            throw new IllegalArgumentException("keys must not be null");
        }
        Set<String> asked = new LinkedHashSet<>();
        for (String k : keys) {
            asked.add(CacheKeys.require(k));
        }
        Map<String, V> found = new HashMap<>();
        replicas.readAll(asked, this::spread).forEach((k, stored) -> {
            V v = values.decode(stored, k);
            if (v != null) {
                found.put((String) k, v);
            }
        });
        hits.add(found.size());
        misses.add(asked.size() - found.size());
        return found;
    }

    /** The stored bytes (a value or a tombstone) of the key, uncounted; null when no replica has it. */
    byte[] read(Object key, long token) {
        ensureOpen.run();
        return replicas.read(key, token, spread(token));
    }

    /** Offers a read of the key to the hot key sketch; whether its reads are spread (it is hot). */
    private boolean spread(long token) {
        hot.record(token);
        return hot.isHot(token);
    }

    /** The value of stored bytes, counting the read as a hit or a miss (a tombstone or an undecodable value). */
    V value(byte[] stored, Object key) {
        V v = stored == null ? null : values.decode(stored, key);
        (v == null ? misses : hits).increment();
        return v;
    }

    /** Counts a miss that no read counted: a load after a lease was granted. */
    void miss() {
        misses.increment();
    }

    /** How many keys are hot now. */
    int hotKeys() {
        return hot.hotCount();
    }

    long hits() {
        return hits.sum();
    }

    long misses() {
        return misses.sum();
    }
}
