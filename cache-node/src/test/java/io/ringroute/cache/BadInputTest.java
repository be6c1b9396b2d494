package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear error naming what was wrong, and nothing is half-written. */
class BadInputTest {

    private static final List<CacheNode> NODES = new ArrayList<>();
    private static CacheCluster<String> cache;

    @BeforeAll
    static void start() {
        NODES.add(TestNodes.start("bad"));
        NODES.add(TestNodes.start("bad"));
        cache = TestNodes.cluster(NODES).maxValueBytes(16).codec(ValueCodec.utf8()).build();
    }

    @AfterAll
    static void stop() {
        cache.close();
        TestNodes.closeAll(NODES);
    }

    @Test
    void nullOrEmptyKeysAreRejected() {
        assertThatThrownBy(() -> cache.get((String) null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key must not be null");
        assertThatThrownBy(() -> cache.put("", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key must not be empty");
        assertThatThrownBy(() -> cache.delete(new byte[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 bytes");
    }

    @Test
    void aValueOverTheMaximumSizeIsRejectedAndNotStored() {
        assertThatThrownBy(() -> cache.put("big", "x".repeat(17)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value for key 'big' is 17 bytes, over the maximum of 16 (maxValueBytes)");
        assertThat(cache.get("big")).isNull();
    }

    @Test
    void aBatchWithOneBadEntryWritesNothing() {
        Map<String, String> batch = new LinkedHashMap<>();
        batch.put("ok-1", "fine");
        batch.put("too-big", "x".repeat(100));
        assertThatThrownBy(() -> cache.putAll(batch)).hasMessageContaining("too-big");
        assertThat(cache.get("ok-1")).isNull();
    }

    @Test
    void nullValuesAndBadTtlsAreRejected() {
        assertThatThrownBy(() -> cache.put("k", null)).hasMessageContaining("must not be null");
        assertThatThrownBy(() -> cache.put("k", "v", Duration.ZERO)).hasMessage("ttl must be at least 1 ms, was PT0S");
    }

    @Test
    void removingAnUnknownNodeNamesTheKnownOnes() {
        assertThatThrownBy(() -> cache.removeNode("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no node 'nope' in the cluster (nodes: " + NODES.get(0).name() + ", "
                        + NODES.get(1).name() + ")");
    }

    @Test
    void aNodeListWithDuplicateIdsIsRejected() {
        assertThatThrownBy(() -> CacheCluster.builder().node("a", "127.0.0.1:5701").node("a", "127.0.0.1:5702"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("duplicate node id 'a' (addresses 127.0.0.1:5701 and 127.0.0.1:5702)");
    }

    @Test
    void badAddressesWeightsAndSettingsNameTheValue() {
        assertThatThrownBy(() -> CacheCluster.builder().node("a", "localhost"))
                .hasMessage("address of node 'a' must be host:port with a port in 1..65535, was \"localhost\"");
        assertThatThrownBy(() -> CacheCluster.builder().node("a", "h:1", -1, null))
                .hasMessageContaining("weight of node 'a' must be finite and > 0, was -1.0");
        assertThatThrownBy(() -> CacheCluster.builder().replicationFactor(0))
                .hasMessage("replicationFactor must be >= 1, was 0");
        assertThatThrownBy(() -> CacheCluster.builder().build())
                .hasMessage("a cache cluster needs at least one node");
    }

    @Test
    void anUnreachableNodeAtStartFailsTheBuildNamingIt() {
        int port = TestNodes.freePort();
        assertThatThrownBy(() -> TestNodes.cluster(NODES).node("ghost", "127.0.0.1:" + port)
                .connectTimeout(Duration.ofMillis(500)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot reach cache node 'ghost' at 127.0.0.1:" + port)
                .hasMessageContaining("allowDegradedStart(true)");
    }

    @Test
    void aDegradedStartServesWithoutTheMissingNodeAndTakesItInWhenItComesUp() {
        int port = TestNodes.freePort();
        try (CacheCluster<byte[]> degraded = TestNodes.cluster(NODES).node("late", "127.0.0.1:" + port)
                .replicationFactor(1).connectTimeout(Duration.ofMillis(500)).allowDegradedStart(true).build()) {
            assertThat(degraded.nodeStates()).containsEntry("late", NodeState.EJECTED);
            String lateKey = java.util.stream.IntStream.range(0, 10_000).mapToObj(i -> "k" + i)
                    .filter(k -> degraded.ring().primary(k).id().equals("late")).findFirst().orElseThrow();
            degraded.put(lateKey, new byte[] {7});
            assertThat(degraded.get(lateKey)).isNull(); // its only replica is down: a miss, not an exception

            try (CacheNode late = TestNodes.start("late", port)) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> degraded.nodeStates().get("late") == NodeState.UP);
                degraded.put(lateKey, new byte[] {8});
                assertThat(degraded.get(lateKey)).containsExactly(8);
            }
        }
    }

    @Test
    void addingADuplicateOrUnreachableNodeLeavesTheClusterUnchanged() {
        assertThatThrownBy(() -> cache.addNode(NODES.get(0).name(), NODES.get(0).address(), 1, null))
                .hasMessageContaining("duplicate node id '" + NODES.get(0).name() + "'");
        int port = TestNodes.freePort();
        assertThatThrownBy(() -> cache.addNode("ghost", "127.0.0.1:" + port, 1, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot reach cache node 'ghost'");
        assertThat(cache.ring().size()).isEqualTo(2);
        assertThat(cache.nodeStates()).doesNotContainKey("ghost");
    }
}
