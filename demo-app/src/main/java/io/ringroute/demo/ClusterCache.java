package io.ringroute.demo;

import io.ringroute.cache.CacheCluster;
import io.ringroute.demo.social.KeyValueCache;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;

/** The social domain's cache calls, made through the ring-routed cache cluster client. */
public final class ClusterCache implements KeyValueCache {
    private final CacheCluster<byte[]> cluster;

    public ClusterCache(CacheCluster<byte[]> cluster) {
        this.cluster = cluster;
    }

    @Override
    public byte[] get(String key) {
        return cluster.get(key);
    }

    @Override
    public Map<String, byte[]> getAll(Collection<String> keys) {
        return cluster.getAll(keys);
    }

    @Override
    public void put(String key, byte[] value, Duration ttl) {
        cluster.put(key, value, ttl);
    }

    @Override
    public void putAll(Map<String, byte[]> entries, Duration ttl) {
        cluster.putAll(entries, ttl);
    }

    @Override
    public void delete(String key) {
        cluster.delete(key);
    }
}
