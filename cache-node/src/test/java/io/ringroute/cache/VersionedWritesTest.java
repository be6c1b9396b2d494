package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.wire.LeaseAcquire;
import io.ringroute.cache.wire.Versioned;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

    @Test
    void concurrentMissesInTwoProcessesRunTheLoaderOnce() throws Exception {
        AtomicInteger loads = new AtomicInteger();
        CompletableFuture<String> other = new CompletableFuture<>();
        String mine = first.getOrLoad("user:11", k -> {
            loads.incrementAndGet();
            CompletableFuture.runAsync(() -> other.complete(second.getOrLoad(k, x -> {
                loads.incrementAndGet();
                return "loaded by second";
            })));
            // the other process asks the primary for the lease (it waits), or loads (without leases)
            Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> second.stats().writeLatency().getTotalCount() > 0 || loads.get() > 1);
            return "loaded by first";
        });

        assertThat(mine).isEqualTo("loaded by first");
        assertThat(other.get(60, TimeUnit.SECONDS)).isEqualTo("loaded by first");
        assertThat(loads).hasValue(1);
    }

    @Test
    void aDeleteDuringALoadVoidsItsLeaseWhateverTheDeletesVersion() {
        String loaded = first.getOrLoad("user:12", k -> {
            second.delete(k, 1); // another process, whose versions are far older than this one's clock
            return "read before the delete";
        });
        first.getOrLoad("user:13", k -> {
            for (CacheNode n : NODES) { // the WAL invalidator's delete with HELD versions: none of its own
                try (NodeLink link = NodeLink.opener(Duration.ofSeconds(5), null).open(n.name(), n.address())) {
                    link.deleteAll(List.of(k), Long.MIN_VALUE, Duration.ofSeconds(30));
                }
            }
            return "read before the invalidation";
        });

        assertThat(loaded).isEqualTo("read before the delete");
        assertThat(first.get("user:12")).isNull();
        assertThat(second.get("user:12")).isNull();
        assertThat(second.get("user:13")).isNull();
        assertThat(first.getOrLoad("user:12", k -> "read after the delete")).isEqualTo("read after the delete");
        assertThat(second.get("user:12")).isEqualTo("read after the delete");
    }

    @Test
    void aLeaseWhoseHolderDiedIsTakenOverOnceItExpires() {
        String key = "user:14";
        node(first.ring().primary(key).id()).map().executeOnKey(key, new LeaseAcquire(42, 300, 30_000));

        assertThat(second.getOrLoad(key, k -> "loaded after the lease expired")).isEqualTo("loaded after the lease"
                + " expired");
        assertThat(first.get(key)).isEqualTo("loaded after the lease expired");
    }

    private static CacheNode node(String name) {
        return NODES.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }
}
