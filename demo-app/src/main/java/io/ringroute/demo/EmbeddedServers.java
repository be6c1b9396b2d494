package io.ringroute.demo;

import io.ringroute.cache.CacheNode;
import io.ringroute.cache.CacheNodeConfig;
import io.ringroute.cache.MaxSize;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers the embedded mode runs in this JVM: PostgreSQL shards (a primary and a delayed standby each) and
 * Hazelcast cache nodes. {@link #close()} stops all of them; it is idempotent, so the shutdown hook and a normal
 * close can both call it.
 */
final class EmbeddedServers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedServers.class);
    private static final String HOST = "127.0.0.1";

    private final EmbeddedShardCluster shards;
    private final Map<String, CacheNode> cacheNodes = new ConcurrentHashMap<>();
    private final AtomicInteger nextCacheNode = new AtomicInteger();

    private EmbeddedServers(EmbeddedShardCluster shards) {
        this.shards = shards;
    }

    static EmbeddedServers start(DemoConfig config) {
        EmbeddedShardCluster shards = EmbeddedShardCluster.builder()
                .shards(config.shards())
                .replicasPerShard(1)
                .replicaApplyDelay(config.applyDelay())
                .start();
        EmbeddedServers servers = new EmbeddedServers(shards);
        try {
            for (int i = 0; i < config.cacheNodes(); i++) {
                servers.startCacheNode(servers.nextCacheNodeId());
            }
        } catch (RuntimeException e) {
            servers.close();
            throw e;
        }
        return servers;
    }

    EmbeddedShardCluster shards() {
        return shards;
    }

    /** id -> host:port of the running cache nodes. */
    Map<String, String> cacheNodeAddresses() {
        Map<String, String> out = new java.util.TreeMap<>();
        cacheNodes.forEach((id, n) -> out.put(id, n.address()));
        return out;
    }

    String nextCacheNodeId() {
        return "cache-" + nextCacheNode.getAndIncrement();
    }

    CacheNode startCacheNode(String id) {
        CacheNode node = CacheNode.start(CacheNodeConfig.builder(id)
                .host(HOST)
                .port(freePort())
                .maxSize(MaxSize.entries(50_000))
                .ttl(Duration.ofMinutes(10))
                .build());
        cacheNodes.put(id, node);
        return node;
    }

    void stopCacheNode(String id) {
        CacheNode node = cacheNodes.remove(id);
        if (node != null) {
            node.close();
        }
    }

    /** Entries held by an embedded node; -1 for one this process does not run. */
    long cacheEntries(String id) {
        CacheNode node = cacheNodes.get(id);
        return node == null ? -1 : node.entryCount();
    }

    @Override
    public void close() {
        for (String id : List.copyOf(cacheNodes.keySet())) {
            try {
                stopCacheNode(id);
            } catch (RuntimeException e) {
                log.warn("stopping cache node {} failed: {}", id, e.toString());
            }
        }
        shards.close();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        }
    }
}
