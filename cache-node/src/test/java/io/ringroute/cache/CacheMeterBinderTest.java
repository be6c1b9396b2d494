package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ringroute.cache.metrics.CacheMeterBinder;
import io.ringroute.testsupport.TcpProxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cache client's Micrometer meters, read after real calls to real Hazelcast nodes. */
class CacheMeterBinderTest {

    private final List<AutoCloseable> open = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        Collections.reverse(open);
        TestNodes.closeAll(open);
    }

    @Test
    void hitsMissesAndLatencyArePublishedPerNodeWithoutKeysInTags() {
        CacheNode a = node();
        CacheNode b = node();
        CacheCluster<byte[]> cache = cluster(TestNodes.cluster(List.of(a, b)).replicationFactor(2)
                .clientProperty("hazelcast.client.metrics.collection.frequency", "1").build());
        new CacheMeterBinder(cache).bindTo(registry);

        TestNodes.entries("m", 50).forEach(cache::put);
        for (int i = 0; i < 50; i++) {
            assertThat(cache.get("m:" + i)).isNotNull();
        }
        for (int i = 0; i < 10; i++) {
            assertThat(cache.get("absent:" + i)).isNull();
        }

        assertThat(registry.get("ringroute.cache.reads").tag("result", "hit").functionCounter().count()).isEqualTo(50);
        assertThat(registry.get("ringroute.cache.reads").tag("result", "miss").functionCounter().count())
                .isEqualTo(10);
        double nodeHits = registry.get("ringroute.cache.node.reads").tag("result", "hit").functionCounters()
                .stream().mapToDouble(c -> c.count()).sum();
        assertThat(nodeHits).as("each read hit its primary").isEqualTo(50);
        for (CacheNode n : List.of(a, b)) {
            assertThat(registry.get("ringroute.cache.node.up").tag("node", n.name()).gauge().value()).isEqualTo(1);
            assertThat(registry.get("ringroute.cache.node.errors").tag("node", n.name()).functionCounters())
                    .extracting(c -> c.getId().getTag("kind")).containsExactlyInAnyOrder("timeout", "connection", "other");
            assertThat(registry.get("ringroute.cache.node.errors").tag("node", n.name()).functionCounters())
                    .allMatch(c -> c.count() == 0);
            assertThat(registry.get("ringroute.cache.node.keys.repaired").tag("node", n.name()).functionCounter()
                    .count()).isZero();
        }
        assertThat(registry.get("ringroute.cache.decode.errors").functionCounter().count()).isZero();
        for (CacheNode n : List.of(a, b)) {
            for (String hazelcast : List.of("ringroute.cache.node.client.invocations.pending",
                    "ringroute.cache.node.client.events.queued")) {
                Gauge g = registry.get(hazelcast).tag("node", n.name()).gauge();
                await().untilAsserted(() -> assertThat(g.value()).as("%s of %s, from Hazelcast's JMX beans",
                        hazelcast, n.name()).isZero()); // NaN until the client's metrics were collected once
            }
        }
        long reads = registry.get("ringroute.cache.node.latency").tag("operation", "read").functionTimers().stream()
                .mapToLong(t -> (long) t.count()).sum();
        assertThat(reads).as("a hit asks the primary, a miss asks both replicas").isEqualTo(50 + 2 * 10);
        assertThat(registry.get("ringroute.cache.node.latency.percentile").tags("node", a.name(), "operation",
                "write", "quantile", "0.99").timeGauge().value(TimeUnit.MICROSECONDS)).isPositive();
        assertThat(registry.getMeters()).flatMap(m -> m.getId().getTags()).noneMatch(t -> t.getValue()
                .startsWith("m:") || t.getValue().startsWith("absent:"));
    }

    @Test
    void aJoiningNodeGetsItsMetersWithTheEntriesMovedToItAndARemovedNodeLosesThem() {
        CacheNode a = node();
        CacheCluster<byte[]> cache = cluster(TestNodes.cluster(List.of(a)).build());
        new CacheMeterBinder(cache).bindTo(registry);
        TestNodes.entries("w", 200).forEach(cache::put);

        CacheNode b = node();
        cache.addNode(b.name(), b.address(), 1, "");
        assertThat(registry.get("ringroute.cache.node.entries.moved").tag("node", b.name()).functionCounter().count())
                .isEqualTo(b.entryCount()).isPositive();

        cache.removeNode(b.name());
        assertThat(registry.find("ringroute.cache.node.up").tag("node", b.name()).meters()).isEmpty();
        assertThat(registry.getMeters()).map(Meter::getId).filteredOn(id -> b.name().equals(id.getTag("node")))
                .isEmpty();
        assertThat(registry.get("ringroute.cache.node.up").tag("node", a.name()).gauge().value()).isEqualTo(1);
        assertThat(new String(cache.get("w:1"), StandardCharsets.UTF_8)).isEqualTo("value-1");
    }

    @Test
    void aNodeThatFallsSilentCountsATimeoutAndACutConnectionCountsALostConnection() throws Exception {
        CacheNode n = node();
        TcpProxy proxy = new TcpProxy(n.config().port());
        open.add(proxy);

        SimpleMeterRegistry silentRegistry = new SimpleMeterRegistry();
        CacheCluster.Builder<byte[]> silent = TestNodes.cluster(List.of()).callTimeout(Duration.ofSeconds(1));
        try (CacheCluster<byte[]> cache = silent.node(n.name(), proxy.address()).build()) {
            new CacheMeterBinder(cache).bindTo(silentRegistry);
            cache.put("k", new byte[] {1});
            proxy.pause(); // the member keeps its socket but answers nothing: the heartbeat drops it after 1 s
            assertThat(cache.get("k")).as("a failed read is a miss").isNull();
            proxy.resume();
        }
        assertThat(errors(silentRegistry, n, "timeout")).isEqualTo(1);
        assertThat(errors(silentRegistry, n, "connection")).isZero();
        assertThat(errors(silentRegistry, n, "other")).isZero();

        CacheCluster.Builder<byte[]> cut = TestNodes.cluster(List.of()).callTimeout(Duration.ofMinutes(1));
        CacheCluster<byte[]> cache = cluster(cut.node(n.name(), proxy.address()).build());
        new CacheMeterBinder(cache).bindTo(registry);
        cache.put("k", new byte[] {1});
        proxy.pause();
        AtomicReference<byte[]> read = new AtomicReference<>(new byte[0]);
        Thread reader = new Thread(() -> read.set(cache.get("k")), "reader");
        reader.start();
        await().until(() -> reader.getState() == Thread.State.WAITING
                || reader.getState() == Thread.State.TIMED_WAITING); // the call was sent and waits for its answer
        proxy.cut();
        reader.join(TimeUnit.MINUTES.toMillis(1));
        assertThat(read.get()).as("a failed read is a miss").isNull();
        assertThat(errors(registry, n, "connection")).isEqualTo(1);
        assertThat(errors(registry, n, "timeout")).isZero();
        assertThat(errors(registry, n, "other")).isZero();
        assertThat(cache.stats().node(n.name()).errors()).isEqualTo(1);
    }

    private static double errors(SimpleMeterRegistry registry, CacheNode n, String kind) {
        return registry.get("ringroute.cache.node.errors").tags("node", n.name(), "kind", kind).functionCounter()
                .count();
    }

    private CacheNode node() {
        CacheNode n = TestNodes.start("meters");
        open.add(n);
        return n;
    }

    private <V> CacheCluster<V> cluster(CacheCluster<V> c) {
        open.add(c);
        return c;
    }
}
