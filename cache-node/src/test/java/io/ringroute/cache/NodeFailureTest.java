package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.wire.Versioned;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.ringroute.testsupport.TcpProxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Nodes that die, come back, or get cut off, under a running reader. */
class NodeFailureTest {

    private static final int KEYS = 5_000;
    /** Generous: ejection on a lost connection is immediate; this covers a loaded 2-core machine. */
    private static final Duration EJECTION_BOUND = Duration.ofSeconds(10);
    private static final List<CacheNode> NODES = new ArrayList<>();
    private static final Map<String, byte[]> ENTRIES = TestNodes.entries("item", KEYS);

    @BeforeAll
    static void startNodes() {
        for (int i = 0; i < 4; i++) {
            NODES.add(TestNodes.start("fail"));
        }
    }

    @AfterAll
    static void stopNodes() {
        TestNodes.closeAll(NODES);
    }

    @BeforeEach
    void emptyNodes() {
        NODES.forEach(n -> n.map().clear());
    }

    /** Reads every key in a loop on another thread, counting hits, misses and exceptions, until stopped. */
    private static final class Reader implements AutoCloseable {
        final AtomicLong hits = new AtomicLong();
        final AtomicLong misses = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Reader(CacheCluster<byte[]> cache) {
            thread = new Thread(() -> {
                while (running.get()) {
                    for (String k : ENTRIES.keySet()) {
                        if (!running.get()) {
                            return;
                        }
                        try {
                            (cache.get(k) != null ? hits : misses).incrementAndGet();
                        } catch (RuntimeException e) {
                            failures.incrementAndGet();
                            firstFailure.compareAndSet(null, e);
                        }
                    }
                }
            }, "reader");
            thread.start();
        }

        void reset() {
            hits.set(0);
            misses.set(0);
        }

        long reads() {
            return hits.get() + misses.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }
    }

    private static CacheNode restart(CacheNode dead) {
        CacheNode back = TestNodes.start(dead.name(), dead.config().port());
        NODES.set(NODES.indexOf(dead), back);
        return back;
    }

    @Test
    void killedNodeWithTwoReplicasCostsNoFailedReadsAndRejoinsWithoutDeletedKeys() throws Exception {
        List<NodeEvent> events = new CopyOnWriteArrayList<>();
        try (CacheCluster<byte[]> cache = TestNodes.cluster(NODES).replicationFactor(2).ejectAfter(3)
                .listener(new CacheClusterListener() {
                    @Override
                    public void onNodeEvent(NodeEvent event) {
                        events.add(event);
                    }
                }).build()) {
            cache.putAll(ENTRIES);
            CacheNode victim = NODES.get(1);
            try (Reader reader = new Reader(cache)) {
                await().until(() -> reader.reads() > KEYS);
                victim.terminate();
                await().atMost(EJECTION_BOUND)
                        .until(() -> cache.nodeStates().get(victim.name()) == NodeState.EJECTED);
                long before = reader.reads();
                await().until(() -> reader.reads() > before + 2L * KEYS);
                assertThat(reader.failures).as("exceptions reaching the caller, first: %s", reader.firstFailure)
                        .hasValue(0);
                double hitRate = reader.hits.get() / (double) reader.reads();
                System.out.printf("R=2, %s killed: %d reads, hit rate %.4f, 0 failed%n", victim.name(),
                        reader.reads(), hitRate);
                assertThat(hitRate).isGreaterThanOrEqualTo(0.99);
            }
            List<String> deleted = ENTRIES.keySet().stream()
                    .filter(k -> cache.ring().replicas(k, 2).containsId(victim.name())).limit(50).toList();
            deleted.forEach(cache::delete);

            restart(victim);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> cache.nodeStates().get(victim.name()) == NodeState.UP);
            assertThat(events).extracting(NodeEvent::kind)
                    .containsSubsequence(NodeEvent.Kind.EJECTED, NodeEvent.Kind.REJOINED);
            deleted.forEach(k -> assertThat(cache.get(k)).as(k).isNull());
            assertThat(cache.stats().node(victim.name()).ejections()).isEqualTo(1);
        }
    }

    @Test
    void killedNodeWithOneReplicaMissesItsShareWithoutExceptionsAndRejoins() throws Exception {
        try (CacheCluster<byte[]> cache = TestNodes.cluster(NODES).replicationFactor(1).build()) {
            cache.putAll(ENTRIES);
            CacheNode victim = NODES.get(2);
            double share = ENTRIES.keySet().stream()
                    .filter(k -> cache.ring().primary(k).id().equals(victim.name())).count() / (double) KEYS;
            try (Reader reader = new Reader(cache)) {
                await().until(() -> reader.reads() > KEYS);
                victim.terminate();
                await().atMost(EJECTION_BOUND)
                        .until(() -> cache.nodeStates().get(victim.name()) == NodeState.EJECTED);
                reader.reset();
                await().until(() -> reader.reads() > 2L * KEYS);
                double missRate = reader.misses.get() / (double) reader.reads();
                System.out.printf("R=1, %s killed: miss rate %.4f, its share %.4f%n", victim.name(), missRate, share);
                assertThat(reader.failures).as("first: %s", reader.firstFailure).hasValue(0);
                assertThat(missRate).isCloseTo(share, within(0.03));
            }
            restart(victim);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> cache.nodeStates().get(victim.name()) == NodeState.UP);
            cache.put("after", new byte[] {1});
            assertThat(cache.get("after")).containsExactly(1);
        }
    }

    @Test
    void partitionedNodeThatKeptItsDataIsRepairedFromItsPeersBeforeItServesAgain() throws Exception {
        CacheNode behind = NODES.get(3);
        try (TcpProxy proxy = new TcpProxy(behind.config().port())) {
            CacheCluster.Builder<byte[]> b = TestNodes.cluster(List.of()).replicationFactor(2);
            NODES.subList(0, 3).forEach(n -> b.node(n.name(), n.address()));
            b.node(behind.name(), proxy.address());
            try (CacheCluster<byte[]> cache = b.build()) {
                cache.putAll(ENTRIES);
                List<String> owned = ENTRIES.keySet().stream()
                        .filter(k -> cache.ring().primary(k).id().equals(behind.name())).limit(100).toList();
                List<String> deleted = owned.subList(0, 50);
                List<String> rewritten = owned.subList(50, 100);

                proxy.cut();
                await().atMost(EJECTION_BOUND).until(() -> cache.nodeStates().get(behind.name()) == NodeState.EJECTED);
                deleted.forEach(cache::delete);
                rewritten.forEach(k -> cache.put(k, "new".getBytes(StandardCharsets.UTF_8)));
                assertThat(behind.map().containsKey(deleted.get(0))).as("the cut-off node kept its data").isTrue();

                proxy.restore();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> cache.nodeStates().get(behind.name()) == NodeState.UP);
                for (String k : deleted) {
                    assertThat(cache.get(k)).as(k).isNull();
                    assertThat(Versioned.isTombstone(behind.map().get(k))).as("%s on the returning node", k).isTrue();
                }
                for (String k : rewritten) {
                    assertThat(cache.get(k)).as(k).isEqualTo("new".getBytes(StandardCharsets.UTF_8));
                    assertThat(Versioned.payload(behind.map().get(k))).as("%s copied back, not deleted", k)
                            .isEqualTo("new".getBytes(StandardCharsets.UTF_8));
                }
                assertThat(cache.stats().node(behind.name()).keysRepaired()).isEqualTo(100);
            }
        }
    }
}
