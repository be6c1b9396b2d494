package io.ringroute.demo.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsHistoryTest {

    private final FakeTopology topology = new FakeTopology();
    private long now = 1_000_000;
    private final MetricsHistory history = new MetricsHistory(topology, new LoadGenerator(null), () -> now);

    @Test
    void theHitRateIsThatOfEachIntervalNotSinceTheStart() {
        topology.lookups(90, 10);
        history.sample();
        topology.lookups(100, 100);     // 10 hits of 100 lookups in this interval
        tick();

        List<MetricsHistory.Sample> samples = history.window().samples();
        assertThat(samples.get(0).hitRate()).as("no interval before the first sample").isNull();
        assertThat(samples.get(1).hitRate()).isEqualTo(0.1);
    }

    @Test
    void aNodeOrShardThatJoinsOrLeavesIsMarkedWhereItHappened() {
        history.sample();
        topology.nodes = List.of("cache-0", "cache-1", "cache-2");
        tick();
        topology.shards = List.of("shard-0");
        tick();

        assertThat(history.window().markers()).containsExactly(
                new MetricsHistory.Marker(now - 1000, "cache", "+cache-2"),
                new MetricsHistory.Marker(now, "shards", "-shard-1"));
    }

    @Test
    void replicaLagIsUnknownRatherThanHugeWhileAReplicaHasNotBeenPolled() {
        topology.lag = null;
        history.sample();
        assertThat(history.window().samples().get(0).lagMillis()).containsEntry("shard-0", null);
    }

    @Test
    void onlyTheLastFiveMinutesAreKept() {
        for (int i = 0; i < 400; i++) {
            tick();
        }
        List<MetricsHistory.Sample> samples = history.window().samples();
        assertThat(samples).hasSize(301);
        assertThat(samples.get(0).atMillis()).isEqualTo(now - MetricsHistory.WINDOW_MILLIS);
    }

    private void tick() {
        now += MetricsHistory.INTERVAL_MILLIS;
        history.sample();
    }

    private static final class FakeTopology implements Topology {
        List<String> nodes = List.of("cache-0", "cache-1");
        List<String> shards = List.of("shard-0", "shard-1");
        Long lag = 500L;
        long hits;
        long misses;

        void lookups(long totalHits, long totalMisses) {
            hits = totalHits;
            misses = totalMisses;
        }

        @Override
        public CacheSnapshot cache() {
            List<CacheNodeView> views = new ArrayList<>();
            nodes.forEach(n -> views.add(new CacheNodeView(n, "", 0, 0, 0, "UP")));
            return new CacheSnapshot(null, 2, views, hits, misses, null);
        }

        @Override
        public ShardSnapshot shards() {
            List<ShardView> views = new ArrayList<>();
            shards.forEach(s -> views.add(new ShardView(s, Map.of("users", 3L, "posts", 4L), 0, 0,
                    List.of(new ReplicaView(s + "/replica0", "up", 0, lag, 0)))));
            return new ShardSnapshot(null, views, null);
        }

        @Override
        public String addCacheNode() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void removeCacheNode(String id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String addShard() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void removeShard(String name) {
            throw new UnsupportedOperationException();
        }
    }
}
