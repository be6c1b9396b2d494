package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.wire.Versioned;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The data path of a three-node cluster with R=2: reads, writes, deletes, batches, codecs, single-flight loads. */
class CacheClusterOperationsTest {

    private static final List<CacheNode> NODES = new ArrayList<>();
    private CacheCluster<String> cache;

    @BeforeAll
    static void startNodes() {
        for (int i = 0; i < 3; i++) {
            NODES.add(TestNodes.start("ops"));
        }
    }

    @AfterAll
    static void stopNodes() {
        TestNodes.closeAll(NODES);
    }

    @BeforeEach
    void connect() {
        NODES.forEach(n -> n.map().clear());
        cache = TestNodes.cluster(NODES).replicationFactor(2).maxValueBytes(1000).codec(ValueCodec.utf8()).build();
    }

    @AfterEach
    void disconnect() {
        cache.close();
    }

    /** Replicas holding a live value of the key (not a tombstone). */
    private long copiesOf(Object key) {
        return NODES.stream().filter(n -> n.map().containsKey(key) && !Versioned.isTombstone(n.map().get(key)))
                .count();
    }

    @Test
    void putWritesEveryReplicaAndGetReadsItBack() {
        cache.put("user:1", "ada");
        assertThat(cache.get("user:1")).isEqualTo("ada");
        assertThat(copiesOf("user:1")).isEqualTo(2);
        String primary = cache.ring().primary("user:1").id();
        assertThat(NODES.stream().filter(n -> n.name().equals(primary)).findFirst().orElseThrow().map()
                .containsKey("user:1")).isTrue();
    }

    @Test
    void deleteLeavesATombstoneOnEveryReplica() {
        cache.put("user:2", "bob");
        cache.delete("user:2");
        assertThat(cache.get("user:2")).isNull();
        assertThat(copiesOf("user:2")).isZero();
        assertThat(NODES.stream().filter(n -> Versioned.isTombstone(n.map().get("user:2"))).count()).isEqualTo(2);
    }

    @Test
    void readFallsBackToTheNextReplicaWhenThePrimaryMisses() {
        cache.put("user:3", "cy");
        String primary = cache.ring().primary("user:3").id();
        NODES.stream().filter(n -> n.name().equals(primary)).findFirst().orElseThrow().map().delete("user:3");
        assertThat(cache.get("user:3")).isEqualTo("cy");
    }

    @Test
    void putIfAbsentKeepsThePresentValue() {
        assertThat(cache.putIfAbsent("user:4", "first", Duration.ofMinutes(1))).isNull();
        assertThat(cache.putIfAbsent("user:4", "second", Duration.ofMinutes(1))).isEqualTo("first");
        assertThat(cache.get("user:4")).isEqualTo("first");
        assertThat(copiesOf("user:4")).isEqualTo(2);
    }

    @Test
    void entriesExpireAfterTheirTtlRoundedUpToASecond() {
        // Long enough not to expire while read (Hazelcast keeps expiry times in whole seconds).
        cache.put("rounded", "lived", Duration.ofMillis(4_300));
        cache.put("just-over", "lived", Duration.ofMillis(9_001));
        assertThat(ttlsOnTheReplicas("rounded")).containsExactly(5_000L, 5_000L);
        assertThat(ttlsOnTheReplicas("just-over")).containsExactly(10_000L, 10_000L);
        assertThat(cache.get("rounded")).isEqualTo("lived");
        cache.put("short", "lived", Duration.ofMillis(300));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cache.get("short") == null);
    }

    private List<Long> ttlsOnTheReplicas(String key) {
        return NODES.stream().filter(n -> n.map().containsKey(key)).map(n -> n.map().getEntryView(key).getTtl())
                .toList();
    }

    @Test
    void byteKeysRouteByTheirBytes() {
        byte[] key = "bin:1".getBytes(StandardCharsets.UTF_8);
        cache.put(key, "raw");
        assertThat(cache.get(key.clone())).isEqualTo("raw");
        assertThat(cache.ring().primary(key).id()).isEqualTo(cache.ring().primary("bin:1").id());
        cache.delete(key);
        assertThat(cache.get(key)).isNull();
    }

    @Test
    void putAllAndGetAllBatchPerNode() {
        Map<String, String> entries = new LinkedHashMap<>();
        for (int i = 0; i < 500; i++) {
            entries.put("k" + i, "v" + i);
        }
        cache.putAll(entries);
        List<String> keys = new ArrayList<>(entries.keySet());
        keys.add("absent");
        Map<String, String> found = cache.getAll(keys);
        assertThat(found).isEqualTo(entries);
        cache.putAll(Map.of("t1", "x", "t2", "y"), Duration.ofMinutes(5));
        assertThat(cache.getAll(List.of("t1", "t2"))).containsOnlyKeys("t1", "t2");
        assertThat(copiesOf("t1")).isEqualTo(2);
    }

    @Test
    void getOrLoadUnderThirtyTwoConcurrentCallersLoadsOnce() throws Exception {
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> callers = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(32, r -> {
            Thread t = new Thread(r, "caller-" + callers.size());
            callers.add(t);
            return t;
        });
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return cache.getOrLoad("hot", k -> {
                        loads.incrementAndGet();
                        // Overlap by construction: the load ends only once the 31 other callers wait for it.
                        Thread loader = Thread.currentThread();
                        await().atMost(Duration.ofSeconds(20)).until(() -> waitingForAFlight(callers, loader) == 31);
                        return "loaded " + k;
                    });
                }));
            }
            start.countDown();
            for (Future<String> f : results) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("loaded hot");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(loads).hasValue(1);
        assertThat(cache.get("hot")).isEqualTo("loaded hot");
    }

    @Test
    void aFailingLoaderReachesEveryWaitingCallerAndCachesNothing() {
        assertThatThrownBy(() -> cache.getOrLoad("broken", k -> {
            throw new IllegalStateException("database down");
        })).isInstanceOf(IllegalStateException.class).hasMessage("database down");
        assertThat(cache.get("broken")).isNull();
    }

    @Test
    void statsCountHitsMissesAndLatencyPerNode() {
        cache.put("s1", "x");
        cache.get("s1");
        cache.get("nope");
        CacheStats stats = cache.stats();
        assertThat(stats.hits()).isEqualTo(1);
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(stats.nodes()).hasSize(3);
        assertThat(stats.readLatency().getTotalCount()).isGreaterThanOrEqualTo(2);
        assertThat(stats.writeLatency().getTotalCount()).isEqualTo(2);
        assertThat(stats.errors()).isZero();
    }

    /** How many of the threads other than {@code loader} wait in {@link SingleFlight} for another caller's load. */
    private static long waitingForAFlight(List<Thread> threads, Thread loader) {
        return threads.stream().filter(t -> t != loader && Arrays.stream(t.getStackTrace()).anyMatch(f ->
                f.getClassName().equals(SingleFlight.class.getName()) && f.getMethodName().equals("await"))).count();
    }
}
