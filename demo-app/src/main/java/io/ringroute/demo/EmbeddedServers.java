package io.ringroute.demo;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.node.CacheNodeConfig;
import io.ringroute.cache.node.MaxSize;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers the embedded mode runs in this JVM: PostgreSQL shards (a primary and a delayed standby each), the
 * topology catalog's server, and Hazelcast cache nodes. {@link #close()} stops all of them; it is idempotent, so
 * the shutdown hook and a normal close can both call it.
 */
public final class EmbeddedServers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedServers.class);
    private static final String HOST = "127.0.0.1";
    private static final int SHARD_VNODES = 64;
    private static final MaxSize DEFAULT_CACHE_SIZE = MaxSize.entries(50_000);

    private final EmbeddedShardCluster shards;
    private final MaxSize cacheSize;
    private final CatalogSpec catalog;
    private final Map<String, CacheNode> cacheNodes = new ConcurrentHashMap<>();
    private final AtomicInteger nextCacheNode = new AtomicInteger();
    private final AtomicInteger nextShard;
    private final Set<String> retired = ConcurrentHashMap.newKeySet();

    private EmbeddedServers(EmbeddedShardCluster shards, CatalogSpec catalog, MaxSize cacheSize) {
        this.shards = shards;
        this.cacheSize = cacheSize;
        this.catalog = catalog;
        this.nextShard = new AtomicInteger(shards.shards().size());
    }

    public static EmbeddedServers start(DemoConfig config) {
        return start(config, DEFAULT_CACHE_SIZE);
    }

    /** As {@link #start(DemoConfig)}, with cache nodes that hold at most {@code cacheSize} each. */
    public static EmbeddedServers start(DemoConfig config, MaxSize cacheSize) {
        EmbeddedShardCluster shards = EmbeddedShardCluster.builder()
                .shards(config.shards())
                .replicasPerShard(1)
                .replicaApplyDelay(config.applyDelay())
                // Fewer, larger token ranges than the cache ring's 256 per node: each moving range is one fenced
                // hand-over when resharding, and the drawn ring stays readable.
                .vnodesPerShard(SHARD_VNODES)
                // One JVM runs the servers and the load on a small machine: give pools time rather than fail.
                .connectionTimeout(Duration.ofSeconds(5))
                // DemoMain's hook closes everything in order; a second hook would race it stopping the servers.
                .shutdownHook(false)
                .logicalDecoding(true) // the WAL-driven cache invalidator follows each primary
                .start();
        EmbeddedServers servers;
        try {
            EmbeddedServer catalogServer = shards.startStandalone("catalog");
            servers = new EmbeddedServers(shards, new CatalogSpec(catalogServer.spec(), CatalogSpec.DEFAULT_SCHEMA,
                    Duration.ofMillis(200)), cacheSize);
        } catch (RuntimeException e) {
            shards.close();
            throw e;
        }
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

    public EmbeddedShardCluster shards() {
        return shards;
    }

    public CatalogSpec catalog() {
        return catalog;
    }

    /** Every running shard that has not been drained, with its servers: what a router must know. */
    public ShardTopology topology() {
        ShardTopology all = shards.topology();
        for (String name : retired) {
            all = all.withoutShard(name);
        }
        return all;
    }

    /** The number the next {@link #startShard()} will use. */
    int peekNextShard() {
        return nextShard.get();
    }

    /** Starts one more shard (primary and standby) named shard-N; it joins the ring only when resharded onto. */
    EmbeddedShard startShard() {
        return shards.addShard("shard-" + nextShard.getAndIncrement());
    }

    /** Leaves a drained shard out of {@link #topology()}. */
    void retireShard(String name) {
        retired.add(name);
    }

    /** Stops a shard's servers once resharding has drained it. */
    void stopShard(String name) {
        EmbeddedShard shard = shards.shard(name);
        shard.replicas().forEach(EmbeddedServer::close);
        shard.primary().close();
    }

    /** id -> host:port of the running cache nodes. */
    public Map<String, String> cacheNodeAddresses() {
        Map<String, String> out = new java.util.TreeMap<>();
        cacheNodes.forEach((id, n) -> out.put(id, n.address()));
        return out;
    }

    /** The id {@link #nextCacheNodeId()} will give, without taking it. */
    String peekNextCacheNodeId() {
        return "cache-" + nextCacheNode.get();
    }

    String nextCacheNodeId() {
        return "cache-" + nextCacheNode.getAndIncrement();
    }

    CacheNode startCacheNode(String id) {
        CacheNode node = CacheNode.start(CacheNodeConfig.builder(id)
                .host(HOST)
                .port(freePort())
                .maxSize(cacheSize)
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
