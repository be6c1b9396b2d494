package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a caller can rely on: bad input and codec faults are the caller's, not a node's; a closed client says so. */
class ClientContractTest {

    private static final List<CacheNode> NODES = new ArrayList<>();

    /** Decodes anything but "poison". */
    private static final ValueCodec<String> PICKY = new ValueCodec<>() {
        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            String s = new String(bytes, StandardCharsets.UTF_8);
            if (s.equals("poison")) {
                throw new IllegalArgumentException("cannot decode poison");
            }
            return s;
        }
    };

    @BeforeAll
    static void startNodes() {
        for (int i = 0; i < 2; i++) {
            NODES.add(TestNodes.start("contract"));
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

    @Test
    void aClosedClientRefusesReadsAndWrites() {
        CacheCluster<byte[]> cache = TestNodes.cluster(NODES).build();
        cache.close();
        assertThatThrownBy(() -> cache.get("k")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> cache.put("k", new byte[1])).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> cache.delete("k")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> cache.getAll(List.of("k"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aLoaderThatLoadsItsOwnKeyFailsInsteadOfDeadlocking() {
        try (CacheCluster<byte[]> cache = TestNodes.cluster(NODES).build()) {
            assertThatThrownBy(() -> cache.getOrLoad("self", k -> cache.getOrLoad(k, k2 -> new byte[1])))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("recursive load");
        }
    }

    @Test
    void valuesTheCodecCannotDecodeAreCountedMissesAndNoNodeIsCharged() {
        try (CacheCluster<String> cache = TestNodes.cluster(NODES).replicationFactor(2).ejectAfter(1)
                .codec(PICKY).build()) {
            cache.put("bad", "poison");
            cache.put("good", "fine");
            for (int i = 0; i < 3; i++) {
                assertThat(cache.get("bad")).isNull();
            }
            assertThat(cache.getAll(List.of("bad", "good"))).isEqualTo(Map.of("good", "fine"));

            CacheStats stats = cache.stats();
            assertThat(stats.decodeErrors()).isEqualTo(4);
            assertThat(stats.errors()).isZero();
            assertThat(cache.nodeStates().values()).containsOnly(NodeState.UP);
        }
    }

    @Test
    void aTtlBeyondWhatANodeCanHoldIsRejectedWithoutChargingANode() {
        try (CacheCluster<byte[]> cache = TestNodes.cluster(NODES).ejectAfter(1).build()) {
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> cache.put("k", new byte[1], Duration.ofDays(365L * 1000)))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl must be at most");
            }
            assertThat(cache.stats().errors()).isZero();
            assertThat(cache.nodeStates().values()).containsOnly(NodeState.UP);
        }
    }
}
