package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ringroute.ring.KeyHash;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Placement and membership changes on five real nodes with 20,000 keys and R=1 (so a key lives on one node and
 * every miss is visible). Placement is deterministic (the keys and node ids are fixed), so counts are exact where
 * the ring decides them.
 */
class CacheClusterMembershipTest {

    private static final int KEYS = 20_000;
    private static final List<CacheNode> NODES = new ArrayList<>();
    private static final Map<String, byte[]> ENTRIES = TestNodes.entries("user", KEYS);

    @BeforeAll
    static void startNodes() {
        for (int i = 0; i < 5; i++) {
            NODES.add(TestNodes.start("member"));
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

    private static CacheCluster<byte[]> fourNodeCluster() {
        return TestNodes.cluster(NODES.subList(0, 4)).replicationFactor(1).build();
    }

    private static double hitRate(CacheCluster<byte[]> cache) {
        return cache.getAll(ENTRIES.keySet()).size() / (double) KEYS;
    }

    /**
     * Each node holds exactly the keys the ring makes it primary of; and that count is the node's ring share of the
     * keys within 7 binomial standard deviations (2.1 percentage points for 20k keys at p = 1/4).
     */
    @Test
    void eachNodeHoldsItsExactRingShareOfTheKeys() {
        try (CacheCluster<byte[]> cache = fourNodeCluster()) {
            cache.putAll(ENTRIES);
            Map<String, Double> exact = cache.ring().ownership();
            for (CacheNode n : NODES.subList(0, 4)) {
                long owned = ENTRIES.keySet().stream().filter(k -> cache.ring().primary(k).id().equals(n.name()))
                        .count();
                assertThat(n.entryCount()).as("entries on %s", n.name()).isEqualTo(owned);
                double observed = n.entryCount() / (double) KEYS;
                System.out.printf("%s: %.4f of the keys, ring ownership %.4f%n", n.name(), observed,
                        exact.get(n.name()));
                assertThat(observed).isCloseTo(exact.get(n.name()), within(7 * Math.sqrt(0.25 * 0.75 / KEYS)));
            }
        }
    }

    @Test
    void addingAWarmedNodeKeepsTheHitsWhileColdAndModuloLoseThem() {
        CacheNode fifth = NODES.get(4);
        List<RebalanceProgress> progress = new CopyOnWriteArrayList<>();
        double warm;
        try (CacheCluster<byte[]> cache = fourNodeCluster()) {
            cache.addListener(new CacheClusterListener() {
                @Override
                public void onRebalanceProgress(RebalanceProgress p) {
                    progress.add(p);
                }
            });
            cache.putAll(ENTRIES);
            RebalanceProgress done = cache.addNode(fifth.name(), fifth.address(), 1.0, null);
            warm = hitRate(cache);
            assertThat(done.entriesCopied()).isEqualTo(fifth.entryCount());
            assertThat(cache.stats().node(fifth.name()).entriesMovedIn()).isEqualTo(done.entriesCopied());
        }
        assertThat(progress.get(0).phase()).isEqualTo(RebalanceProgress.Phase.STARTED);
        assertThat(progress.get(progress.size() - 1).phase()).isEqualTo(RebalanceProgress.Phase.DONE);
        assertThat(progress).anyMatch(p -> p.phase() == RebalanceProgress.Phase.COPYING);

        NODES.forEach(n -> n.map().clear());
        double cold;
        try (CacheCluster<byte[]> cache = fourNodeCluster()) {
            cache.putAll(ENTRIES);
            cache.addNode(fifth.name(), fifth.address(), 1.0, null, Warming.COLD);
            cold = hitRate(cache);
        }

        NODES.forEach(n -> n.map().clear());
        double modulo = moduloHitRate();

        System.out.printf("hit rate right after adding a fifth node: warmed %.4f | cold %.4f | modulo %.4f%n",
                warm, cold, modulo);
        assertThat(warm).isGreaterThanOrEqualTo(0.99);
        assertThat(cold).isCloseTo(1 - 1 / 5.0, within(0.05)).isLessThan(warm - 0.1);
        assertThat(modulo).isCloseTo(1 / 5.0, within(0.03));
    }

    /** The same keys placed by token mod 4 on four nodes, read back by token mod 5 on five. */
    private static double moduloHitRate() {
        Map<CacheNode, Map<Object, byte[]>> batches = new HashMap<>();
        ENTRIES.forEach((k, v) -> batches.computeIfAbsent(NODES.get(Math.floorMod(KeyHash.token(k), 4)),
                n -> new HashMap<>()).put(k, v));
        batches.forEach((n, batch) -> n.map().putAll(batch));
        Map<CacheNode, Set<Object>> reads = new HashMap<>();
        ENTRIES.keySet().forEach(k -> reads.computeIfAbsent(NODES.get(Math.floorMod(KeyHash.token(k), 5)),
                n -> new HashSet<>()).add(k));
        long hits = reads.entrySet().stream().mapToLong(e -> e.getKey().map().getAll(e.getValue()).size()).sum();
        return hits / (double) KEYS;
    }

    @Test
    void removingANodeGracefullyKeepsTheHits() {
        try (CacheCluster<byte[]> cache = TestNodes.cluster(NODES).replicationFactor(1).build()) {
            cache.putAll(ENTRIES);
            CacheNode leaving = NODES.get(2);
            int held = leaving.entryCount();
            RebalanceProgress done = cache.removeNode(leaving.name());
            double hits = hitRate(cache);
            System.out.printf("after removing %s (%d entries, %d copied): hit rate %.4f%n", leaving.name(), held,
                    done.entriesCopied(), hits);
            assertThat(hits).isGreaterThanOrEqualTo(0.99);
            assertThat(cache.ring().contains(leaving.name())).isFalse();
            assertThat(cache.nodeStates()).doesNotContainKey(leaving.name());
        }
    }

    @Test
    void changingAWeightMovesEntriesWithoutLosingHits() {
        try (CacheCluster<byte[]> cache = fourNodeCluster()) {
            cache.putAll(ENTRIES);
            String heavy = NODES.get(0).name();
            RebalanceProgress done = cache.changeWeight(heavy, 2.0);
            assertThat(hitRate(cache)).isGreaterThanOrEqualTo(0.99);
            assertThat(done.entriesCopied()).isPositive();
            long owned = ENTRIES.keySet().stream().filter(k -> cache.ring().primary(k).id().equals(heavy)).count();
            assertThat(NODES.get(0).entryCount()).as("the heavy node holds exactly its keys").isEqualTo(owned);
            assertThat(owned / (double) KEYS).isCloseTo(cache.ring().ownership(heavy),
                    within(7 * Math.sqrt(0.4 * 0.6 / KEYS)));
        }
    }
}
