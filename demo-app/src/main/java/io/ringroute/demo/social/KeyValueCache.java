package io.ringroute.demo.social;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;

/** The cache cluster as the social domain sees it: bytes under string keys, with a TTL on every entry. */
public interface KeyValueCache {
    /** Null on a miss. */
    byte[] get(String key);

    /** Only the hits. */
    Map<String, byte[]> getAll(Collection<String> keys);

    void put(String key, byte[] value, Duration ttl);

    /** Many entries with one TTL, in one call per node instead of one per key. */
    void putAll(Map<String, byte[]> entries, Duration ttl);

    void delete(String key);
}
