package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.testsupport.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Gray failure: a node that answers every call, slowly. Its calls never fail, so only latency can take it out;
 * and only a bounded number of nodes may be out for latency at once.
 */
class SlowNodeTest {

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() {
        TestNodes.closeAll(resources);
    }

    @Test
    void aNodeThatAnswersEveryCallSlowlyIsEjectedByLatencyAndComesBackWhenFast() {
        List<CacheNode> fast = List.of(TestNodes.start("slow"), TestNodes.start("slow"));
        resources.addAll(fast);
        CacheNode slowNode = TestNodes.start("slow");
        resources.add(slowNode);
        TcpProxy slow = new TcpProxy(slowNode.config().port());
        resources.add(0, slow);
        List<NodeEvent> events = new CopyOnWriteArrayList<>();
        CacheCluster.Builder<byte[]> b = TestNodes.cluster(fast).replicationFactor(2)
                .ejectSlowerThan(Duration.ofMillis(200), 3, Duration.ofMinutes(5))
                .listener(new CacheClusterListener() {
                    @Override
                    public void onNodeEvent(NodeEvent e) {
                        events.add(e);
                    }
                });
        b.node(slowNode.name(), slow.address());
        try (CacheCluster<byte[]> cache = b.build()) {
            cache.putAll(TestNodes.entries("key", 200));
            slow.delay(600); // every chunk, both ways: each call takes over a second, none fails

            await().atMost(Duration.ofMinutes(2)).pollInterval(10, TimeUnit.MILLISECONDS).until(() -> {
                for (String k : TestNodes.entries("key", 20).keySet()) {
                    assertThat(cache.get(k)).as(k).isNotNull();
                    if (cache.nodeStates().get(slowNode.name()) == NodeState.EJECTED) {
                        return true;
                    }
                }
                return false;
            });
            assertThat(events).anyMatch(e -> e.kind() == NodeEvent.Kind.EJECTED
                    && e.nodeId().equals(slowNode.name()) && e.detail().contains("calls over 200 ms"));
            assertThat(cache.stats().node(slowNode.name()).errors()).isZero();

            slow.delay(0);
            await().atMost(Duration.ofMinutes(1)).until(() -> cache.nodeStates().get(slowNode.name()) == NodeState.UP);
        }
    }

    @Test
    void slowCallsMakeAnOutlierOnlyWhenEnoughFallInTheWindow() {
        SlowCalls calls = new SlowCalls(Duration.ofMillis(100), 3, Duration.ofSeconds(1));
        long second = 1_000_000_000L;
        assertThat(calls.slow(0, 500_000)).isFalse();
        assertThat(calls.slow(second / 2, 50)).as("fast calls do not count").isFalse();
        assertThat(calls.slow(second / 2, 500_000)).isFalse();
        assertThat(calls.slow(2 * second, 500_000)).as("the first two fell out of the window").isFalse();
        assertThat(calls.slow(2 * second + 1, 500_000)).isFalse();
        assertThat(calls.slow(2 * second + 2, 500_000)).isTrue();
        calls.reset();
        assertThat(calls.slow(2 * second + 3, 500_000)).isFalse();
    }

    @Test
    void atMostAThirdOfTheNodesAreOutForLatencyAtOnce() {
        EjectionBudget budget = new EjectionBudget(() -> 7);
        assertThat(budget.tryAcquire()).isTrue();
        assertThat(budget.tryAcquire()).isTrue();
        assertThat(budget.tryAcquire()).as("healthy nodes under load stay in").isFalse();
        budget.release();
        assertThat(budget.tryAcquire()).isTrue();
        assertThat(new EjectionBudget(() -> 2).allowed()).isEqualTo(1);
    }
}
