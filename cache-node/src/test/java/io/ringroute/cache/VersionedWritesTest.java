package io.ringroute.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two cluster clients (as two application processes would have) on the same three nodes: whichever writes last in
 * time, the nodes keep the newest version, and a deletion keeps older values out.
 */
class VersionedWritesTest {

    private static final List<CacheNode> NODES = new ArrayList<>();
    private CacheCluster<String> first;
    private CacheCluster<String> second;

    @BeforeAll
    static void startNodes() {
        for (int i = 0; i < 3; i++) {
            NODES.add(TestNodes.start("ver"));
        }
    }

    @AfterAll
    static void stopNodes() {
        TestNodes.closeAll(NODES);
    }

    @BeforeEach
    void connect() {
        NODES.forEach(n -> n.map().clear());
        first = TestNodes.cluster(NODES).replicationFactor(2).codec(ValueCodec.utf8()).build();
        second = TestNodes.cluster(NODES).replicationFactor(2).codec(ValueCodec.utf8()).build();
    }

    @AfterEach
    void disconnect() {
        first.close();
        second.close();
    }

    /** Version of the key on each node that holds it. */
    private static Map<String, Long> versionsOf(String key) {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (CacheNode n : NODES) {
            byte[] stored = n.map().get(key);
            if (stored != null) {
                out.put(n.name(), Versioned.version(stored));
            }
        }
        return out;
    }

    @Test
    void anOlderVersionFromAnotherClientNeverOverwritesANewerOne() {
        first.put("user:1", "new", 20, null);
        second.put("user:1", "old", 10, null);

        assertThat(first.get("user:1")).isEqualTo("new");
        assertThat(second.getEntry("user:1")).isEqualTo(new CacheEntry<>("new", 20));
        assertThat(versionsOf("user:1").values()).containsExactly(20L, 20L);
    }

    @Test
    void aDeletionKeepsOlderValuesOutButNotNewerOnes() {
        first.put("user:2", "v1", 1, null);
        first.delete("user:2", 5);
        second.put("user:2", "late copy of v4", 4, null);
        assertThat(second.get("user:2")).isNull();
        assertThat(NODES.stream().filter(n -> Versioned.isTombstone(n.map().get("user:2"))).count()).isEqualTo(2);

        second.put("user:2", "v6", 6, null);
        assertThat(first.get("user:2")).isEqualTo("v6");
    }

    @Test
    void aClockVersionedWriteMadeAfterSeeingAnotherClientsDeleteWins() {
        first.put("user:3", "from first");
        first.delete("user:3");
        assertThat(second.get("user:3")).isNull(); // second saw the delete: its next write is ordered after it
        second.put("user:3", "again");
        assertThat(first.get("user:3")).isEqualTo("again");
    }

    @Test
    void aLoadThatRacesADeleteFromAnotherClientCachesNothing() {
        String loaded = first.getOrLoad("user:4", k -> {
            String fromDatabase = "row read before the update";
            second.delete(k); // another process updates the row and invalidates the key meanwhile
            return fromDatabase;
        });

        assertThat(loaded).isEqualTo("row read before the update");
        assertThat(first.get("user:4")).isNull();
        assertThat(second.get("user:4")).isNull();
    }

    @Test
    void putIfAbsentDoesNotReviveAKeyDeletedAtANewerVersion() {
        first.delete("user:5", Long.MAX_VALUE);
        assertThat(second.putIfAbsent("user:5", "stale", java.time.Duration.ofMinutes(1))).isNull();
        assertThat(first.get("user:5")).isNull();
    }

    @Test
    void anInvalidationLeavesATombstoneAtTheNewerOfItsVersionAndTheDeletedValues() {
        first.put("user:6", "v10", 10, null);
        first.put("user:7", "v10", 10, null);
        NODES.forEach(n -> n.map().set("user:8", "written by something else".getBytes(StandardCharsets.UTF_8)));
        for (CacheNode n : NODES) { // as the WAL invalidator deletes: on every node
            try (NodeLink link = NodeLink.opener(Duration.ofSeconds(5), null).open(n.name(), n.address())) {
                link.deleteAll(List.of("user:6", "user:8", "user:9"), 20, Duration.ofSeconds(30));
                link.deleteAll(List.of("user:6"), 15, Duration.ofSeconds(30)); // an older replay changes nothing
                link.deleteAll(List.of("user:7"), Long.MIN_VALUE, Duration.ofSeconds(30));
            }
        }
        second.put("user:6", "v19 in flight", 19, null);
        second.put("user:7", "v10 in flight", 10, null);
        second.put("user:8", "v19 in flight", 19, null);
        second.put("user:9", "v20 in flight", 20, null);
        assertThat(first.get("user:6")).isNull();
        assertThat(first.get("user:7")).isNull();
        assertThat(first.get("user:8")).isNull();
        assertThat(first.get("user:9")).isNull();
        assertThat(versionsOf("user:6").values()).containsOnly(20L);
        assertThat(versionsOf("user:7").values()).containsOnly(10L);

        second.put("user:7", "v11", 11, null);
        second.put("user:9", "v21", 21, null);
        assertThat(first.get("user:7")).isEqualTo("v11");
        assertThat(first.get("user:9")).isEqualTo("v21");
    }

    @Test
    void aNodeThatMustBePurgedServesNoReadUntilItIsEmptied() {
        String key = "user:10";
        CacheNode primary = node(first.ring().primary(key).id());
        first.put(key, "fresh");
        primary.map().set(key, Versioned.value(Long.MAX_VALUE, "missed a delete".getBytes(StandardCharsets.UTF_8)));

        first.requirePurge(primary.name());
        assertThat(first.get(key)).isEqualTo("fresh");
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> primary.map().isEmpty());
        assertThat(first.get(key)).isEqualTo("fresh"); // the primary misses, the other replica answers
        assertThatThrownBy(() -> first.requirePurge("nobody")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no node 'nobody'");
    }

    private static CacheNode node(String name) {
        return NODES.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }
}
