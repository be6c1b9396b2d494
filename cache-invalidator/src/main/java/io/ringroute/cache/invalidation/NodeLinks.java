package io.ringroute.cache.invalidation;

import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.NodeLink;
import io.ringroute.ring.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A {@link NodeLink} to every node of a cache cluster's current ring, kept in step with the ring, and calls on all
 * of them in parallel.
 */
final class NodeLinks implements AutoCloseable {

    private final CacheCluster<?> cache;
    private final NodeLink.Opener opener;
    private final Map<String, NodeLink> links = new HashMap<>();
    private final ExecutorService calls;

    NodeLinks(CacheCluster<?> cache, NodeLink.Opener opener, String threadName) {
        this.cache = cache;
        this.opener = opener;
        AtomicInteger n = new AtomicInteger();
        this.calls = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, threadName + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The links of the ring's nodes now: new nodes get a link, removed ones lose theirs. */
    synchronized Map<String, NodeLink> current() {
        Map<String, NodeLink> now = new LinkedHashMap<>();
        for (Node node : cache.ring().nodes()) {
            String address = node.attribute(CacheCluster.ADDRESS).orElseThrow();
            NodeLink link = links.get(node.id());
            if (link == null || !link.address().equals(address)) {
                if (link != null) {
                    link.close();
                }
                link = opener.open(node.id(), address);
                links.put(node.id(), link);
            }
            now.put(node.id(), link);
        }
        links.entrySet().removeIf(e -> {
            if (!now.containsKey(e.getKey())) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        return now;
    }

    /** Runs the call on every given link in parallel; returns the error of each that failed, by node id. */
    Map<String, String> onEach(Collection<NodeLink> targets, Consumer<NodeLink> call) {
        Map<String, CompletableFuture<Void>> running = new LinkedHashMap<>();
        for (NodeLink link : targets) {
            running.put(link.id(), CompletableFuture.runAsync(() -> call.accept(link), calls));
        }
        Map<String, String> failed = new LinkedHashMap<>();
        running.forEach((id, f) -> {
            try {
                f.join();
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                failed.put(id, cause.getMessage());
            }
        });
        return failed;
    }

    /**
     * Invalidates the keys on every node of the ring for the cluster's tombstone TTL: a key with a row version
     * ({@link RowKeys#version}) below that version, every other key leaving a tombstone at {@code version} (or the
     * held one, if newer). Returns the error of each node that did not confirm.
     */
    Map<String, String> deleteEverywhere(Map<String, Long> keys, long version) {
        List<String> unversioned = new ArrayList<>();
        Map<Long, List<String>> byRowVersion = new HashMap<>();
        keys.forEach((k, v) -> {
            if (v == Long.MIN_VALUE) {
                unversioned.add(k);
            } else {
                byRowVersion.computeIfAbsent(v, x -> new ArrayList<>()).add(k);
            }
        });
        Duration ttl = cache.tombstoneTtl();
        return onEach(current().values(), link -> {
            if (!unversioned.isEmpty()) {
                link.deleteAll(unversioned, version, ttl);
            }
            byRowVersion.forEach((rowVersion, group) -> link.deleteOlderThan(group, rowVersion, ttl));
        });
    }

    @Override
    public synchronized void close() {
        links.values().forEach(NodeLink::close);
        links.clear();
        calls.shutdownNow();
    }
}
