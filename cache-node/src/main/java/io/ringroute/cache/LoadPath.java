package io.ringroute.cache;

import io.ringroute.cache.wire.CacheKeys;
import io.ringroute.cache.wire.Versioned;
import java.util.function.Supplier;

/**
 * {@code getOrLoad}: a hit is served; on a miss one caller per key in this process loads ({@link SingleFlight}),
 * and across processes only the holder of the key's lease on its primary ({@link Leases}); the loaded value is
 * versioned with the clock reading taken before the load and cached only if the lease still stands.
 */
final class LoadPath<V> {

    private final ReadPath<V> reads;
    private final WritePath<V> writes;
    private final StoredValues<V> values;
    private final Leases leases;
    private final SingleFlight<V> flights = new SingleFlight<>();

    LoadPath(ReadPath<V> reads, WritePath<V> writes, StoredValues<V> values, Leases leases) {
        this.reads = reads;
        this.writes = writes;
        this.values = values;
        this.leases = leases;
    }

    V getOrLoad(Object key, long token, Supplier<? extends V> load, long ttlMillis) {
        byte[] cached = reads.read(key, token);
        if (Versioned.isLive(cached)) {
            return reads.value(cached, key);
        }
        return flights.run(CacheKeys.identity(key), () -> load(key, token, load, ttlMillis));
    }

    /** One process's load of a missing key, under a lease when the key's primary grants one. */
    private V load(Object key, long token, Supplier<? extends V> load, long ttlMillis) {
        byte[] again = reads.read(key, token); // a load that finished just before this flight started
        if (Versioned.isLive(again)) {
            return reads.value(again, key);
        }
        Leases.Grant grant = leases.acquire(key, token); // waits while another process loads the key
        if (grant.cached() != null) {
            return reads.value(grant.cached(), key);
        }
        reads.miss();
        HybridClock clock = values.clock();
        clock.observe(grant.carriedVersion());
        long version = clock.next(); // before the load: a delete while it runs is newer and wins
        byte[] stored = null;
        try {
            V loaded = load.get();
            if (loaded != null) {
                stored = values.encode(key, loaded, version);
            }
            return loaded;
        } finally {
            if (leases.end(grant, key, stored, ttlMillis) && stored != null) {
                writes.write(key, token, stored, ttlMillis); // the other replicas (a no-op on the lease's holder)
            }
        }
    }
}
