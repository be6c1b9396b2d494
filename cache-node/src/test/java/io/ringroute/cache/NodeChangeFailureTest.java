package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.wire.Versioned;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.ring.HashRing;
import io.ringroute.testsupport.TcpProxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Membership changes and restarts that go wrong halfway: a node that freezes during a change, a node that restarts
 * empty. Each test starts its own nodes (some behind a TCP relay it can pause).
 */
class NodeChangeFailureTest {

    private static final int KEYS = 2_000;
    private static final byte[] REWRITTEN = "rewritten".getBytes(StandardCharsets.UTF_8);
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() {
        List<AutoCloseable> newestFirst = new ArrayList<>(resources);
        java.util.Collections.reverse(newestFirst);
        TestNodes.closeAll(newestFirst);
    }

    private CacheNode node(String prefix) {
        CacheNode n = TestNodes.start(prefix);
        resources.add(n);
        return n;
    }

    private TcpProxy proxyFor(CacheNode n) {
        TcpProxy p = new TcpProxy(n.config().port());
        resources.add(p);
        return p;
    }

    /** Runs {@code action} once, on the first COPYING progress of a change (after the first batch was copied). */
    private static CacheClusterListener onFirstBatch(Consumer<RebalanceProgress> action) {
        AtomicBoolean done = new AtomicBoolean();
        return new CacheClusterListener() {
            @Override
            public void onRebalanceProgress(RebalanceProgress p) {
                if (p.phase() == RebalanceProgress.Phase.COPYING && done.compareAndSet(false, true)) {
                    action.accept(p);
                }
            }
        };
    }

    /** Runs {@code action} once, on the COPYING progress of the last batch (before the ring flips). */
    private static CacheClusterListener onLastBatch(Runnable action) {
        return new CacheClusterListener() {
            @Override
            public void onRebalanceProgress(RebalanceProgress p) {
                if (p.phase() == RebalanceProgress.Phase.COPYING && p.batchesDone() == p.batchesTotal()) {
                    action.run();
                }
            }
        };
    }

    private static List<String> keysReplicatedOn(HashRing ring, String nodeId, int r) {
        return TestNodes.entries("key", KEYS).keySet().stream()
                .filter(k -> ring.replicas(k, r).containsId(nodeId)).toList();
    }

    @Test
    void aKeyDeletedAndRewrittenDuringANodeChangeKeepsItsNewValueOnTheNewNode() {
        List<CacheNode> nodes = List.of(node("rw"), node("rw"), node("rw"));
        CacheNode added = node("rw");
        try (CacheCluster<byte[]> cache = TestNodes.cluster(nodes).replicationFactor(2).build()) {
            cache.putAll(TestNodes.entries("key", KEYS));
            HashRing next = cache.ring().withNode(CacheCluster.nodeOf(added.name(), added.address(), 1.0, null));
            List<String> moving = keysReplicatedOn(next, added.name(), 2).subList(0, 20);
            cache.addListener(onFirstBatch(p -> moving.forEach(k -> {
                cache.delete(k);
                cache.put(k, REWRITTEN);
            })));

            cache.addNode(added.name(), added.address(), 1.0, null);

            for (String k : moving) {
                assertThat(cache.get(k)).as(k).isEqualTo(REWRITTEN);
                assertThat(added.map().get(k)).as("%s on the new node", k).isNotNull();
                assertThat(Versioned.payload(added.map().get(k))).as("%s on the new node", k).isEqualTo(REWRITTEN);
            }
        }
    }

    @Test
    void aReDeleteTheNewNodeCannotTakeIsReportedAndItsKeysStayDeleted() {
        List<CacheNode> nodes = List.of(node("redel"), node("redel"), node("redel"));
        CacheNode added = node("redel");
        TcpProxy frozen = proxyFor(added);
        try (CacheCluster<byte[]> cache = TestNodes.cluster(nodes).replicationFactor(2)
                .callTimeout(Duration.ofSeconds(2)).build()) {
            cache.putAll(TestNodes.entries("key", KEYS));
            HashRing next = cache.ring().withNode(CacheCluster.nodeOf(added.name(), frozen.address(), 1.0, null));
            List<String> deleted = keysReplicatedOn(next, added.name(), 2);
            cache.addListener(onFirstBatch(p -> deleted.forEach(cache::delete)));
            cache.addListener(onLastBatch(frozen::pause));

            RebalanceProgress done = cache.addNode(added.name(), frozen.address(), 1.0, null);
            frozen.resume();

            assertThat(done.batchesFailed()).as("failures reported by %s", done).isPositive();
            await().atMost(Duration.ofSeconds(60)).until(() -> cache.nodeStates().get(added.name()) == NodeState.UP
                    && deleted.stream().allMatch(k -> gone(added.map().get(k))));
            for (String k : deleted) {
                assertThat(cache.get(k)).as(k).isNull();
            }
        }
    }

    private static boolean gone(byte[] stored) {
        return stored == null || Versioned.isTombstone(stored);
    }

    @Test
    void aRangeDropThatFailsOnANodeThatLostRangesIsRetriedUntilItSucceeds() {
        CacheNode loser = node("drop");
        TcpProxy frozen = proxyFor(loser);
        List<CacheNode> others = List.of(node("drop"), node("drop"));
        CacheNode added = node("drop");
        CacheCluster.Builder<byte[]> b = TestNodes.cluster(others).replicationFactor(2)
                .callTimeout(Duration.ofSeconds(2));
        b.node(loser.name(), frozen.address());
        try (CacheCluster<byte[]> cache = b.build()) {
            cache.putAll(TestNodes.entries("key", KEYS));
            HashRing before = cache.ring();
            cache.addListener(onLastBatch(frozen::pause));

            RebalanceProgress done = cache.addNode(added.name(), added.address(), 1.0, null);
            frozen.resume();

            assertThat(done.batchesFailed()).as("failures reported by %s", done).isPositive();
            List<String> lost = TestNodes.entries("key", KEYS).keySet().stream()
                    .filter(k -> before.replicas(k, 2).containsId(loser.name())
                            && !cache.ring().replicas(k, 2).containsId(loser.name())).toList();
            assertThat(lost).isNotEmpty();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> lost.stream().noneMatch(k -> loser.map().containsKey(k)));
        }
    }

    @Test
    void aNodeThatRestartsEmptyIsRefilledFromItsPeers() {
        List<CacheNode> nodes = new ArrayList<>(List.of(node("refill"), node("refill"), node("refill")));
        try (CacheCluster<byte[]> cache = TestNodes.cluster(nodes).replicationFactor(2).build()) {
            Map<String, byte[]> entries = TestNodes.entries("key", KEYS);
            cache.putAll(entries);
            CacheNode victim = nodes.get(1);
            List<String> share = keysReplicatedOn(cache.ring(), victim.name(), 2);

            victim.terminate();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> cache.nodeStates().get(victim.name()) == NodeState.EJECTED);
            CacheNode restarted = TestNodes.start(victim.name(), victim.config().port());
            resources.add(restarted);

            await().atMost(Duration.ofSeconds(60))
                    .until(() -> share.stream().allMatch(k -> restarted.map().containsKey(k)));
            assertThat(Versioned.payload(restarted.map().get(share.get(0)))).isEqualTo(entries.get(share.get(0)));
        }
    }
}
