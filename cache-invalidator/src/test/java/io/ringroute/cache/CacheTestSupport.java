package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.wire.Versioned;
import io.ringroute.testsupport.TcpProxy;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * cache-node's test nodes and TCP relay (from its test-jar), opened to this module's tests, which live in another
 * package: a bridge, not a copy.
 */
public final class CacheTestSupport {

    private CacheTestSupport() {
    }

    /** A real in-process node on a free port (see {@link TestNodes#start(String)}). */
    public static CacheNode startNode(String prefix) {
        return TestNodes.start(prefix);
    }

    /** A thread-light cluster builder over the nodes (see {@link TestNodes#cluster(List)}). */
    public static CacheCluster.Builder<byte[]> cluster(List<CacheNode> nodes) {
        return TestNodes.cluster(nodes);
    }

    /** Stores a value on this node directly, whatever the ring says. */
    public static void store(CacheNode node, String key, String value) {
        node.map().set(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether this node holds a value for the key (a tombstone left by a delete is no value). */
    public static boolean holds(CacheNode node, String key) {
        byte[] stored = node.map().get(key);
        return stored != null && !Versioned.isTombstone(stored);
    }

    public static void closeAll(List<? extends AutoCloseable> all) {
        TestNodes.closeAll(all);
    }

    /** A loopback relay to a node that can be cut and restored: a partition (see {@link TcpProxy}). */
    public static final class Partition implements AutoCloseable {
        private final TcpProxy proxy;

        public Partition(CacheNode node) {
            this.proxy = new TcpProxy(node.config().port());
        }

        public String address() {
            return proxy.address();
        }

        public void cut() {
            proxy.cut();
        }

        public void restore() {
            proxy.restore();
        }

        @Override
        public void close() {
            proxy.close();
        }
    }
}
