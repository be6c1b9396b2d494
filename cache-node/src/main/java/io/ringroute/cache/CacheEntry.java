package io.ringroute.cache;

/**
 * A cached value with the version its write carried ({@link CacheCluster#getEntry(String)}).
 *
 * @param value   the value
 * @param version the caller's version, or the writing process's hybrid clock reading
 * @param <V>     the value type
 */
public record CacheEntry<V>(V value, long version) {
}
