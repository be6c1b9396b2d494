package io.ringroute.bench.cache;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.node.CacheNodeConfig;
import io.ringroute.cache.node.MaxSize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** In-process cache nodes on free ports, and bare Hazelcast clients to them, for the cache benchmarks. */
final class BenchNodes implements AutoCloseable {

    private final List<CacheNode> nodes = new ArrayList<>();
    private final List<HazelcastInstance> bareClients = new ArrayList<>();

    BenchNodes(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            nodes.add(CacheNode.start(CacheNodeConfig.builder(prefix + "-" + (char) ('a' + i)).port(freePort())
                    .maxSize(MaxSize.entries(5_000_000)).ttl(Duration.ofHours(1)).build()));
        }
    }

    List<CacheNode> nodes() {
        return nodes;
    }

    CacheNode node(int i) {
        return nodes.get(i);
    }

    /** A plain Hazelcast client to one node, configured as its docs suggest, without any ringroute code. */
    HazelcastInstance bareClient(CacheNode node) {
        ClientConfig cc = new ClientConfig();
        cc.setClusterName(CacheNode.clusterName(node.name()));
        cc.getNetworkConfig().addAddress(node.address());
        cc.getNetworkConfig().getAutoDetectionConfig().setEnabled(false);
        cc.setProperty("hazelcast.phone.home.enabled", "false");
        cc.setProperty("hazelcast.logging.type", "slf4j");
        HazelcastInstance c = HazelcastClient.newHazelcastClient(cc);
        bareClients.add(c);
        return c;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        bareClients.forEach(HazelcastInstance::shutdown);
        nodes.forEach(CacheNode::close);
    }
}
