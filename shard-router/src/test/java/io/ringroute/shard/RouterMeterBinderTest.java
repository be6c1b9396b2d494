package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import io.ringroute.shard.metrics.RouterMeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router's Micrometer meters, read after real reads and writes on shards whose standbys lag 500 ms. It stops no
 * server of the shared cluster: the replica-down fallback is published in {@link ShardFailureTest}, on its own cluster.
 */
class RouterMeterBinderTest {

    private final EmbeddedShardCluster cluster = SharedCluster.get();
    private final Kv kv = new Kv("kv_meters");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ShardRouter router;

    @BeforeEach
    void start() throws Exception {
        kv.create(cluster);
        router = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(20)).build();
        new RouterMeterBinder(router).bindTo(registry);
        ReadYourWritesTest.awaitReplicasCaughtUp(router);
    }

    @AfterEach
    void stop() {
        router.close();
    }

    @Test
    void aRebindAfterARouterReplacementKeepsOneMeterPerServerAndAddsTheNewPools() {
        SimpleMeterRegistry fresh = new SimpleMeterRegistry();
        List<String> refused = new ArrayList<>();
        fresh.config().onMeterRegistrationFailed((id, why) -> refused.add(id + ": " + why));
        try (ShardRouter first = ShardRouter.builder().topology(cluster.topology()).build();
                ShardRouter replacement = ShardRouter.builder().topology(cluster.topology()).build()) {
            AtomicReference<ShardRouter> current = new AtomicReference<>(first);
            RouterMeterBinder binder = new RouterMeterBinder(current::get);
            binder.bindTo(fresh);
            int meters = fresh.getMeters().size();

            current.set(replacement);
            binder.bindTo(fresh);     // what the demo does after adding a shard

            assertThat(refused).as("meters registered twice").isEmpty();
            assertThat(fresh.find("ringroute.router.reads").functionCounters())
                    .hasSize(fresh.find("ringroute.router.server.healthy").gauges().size());
            assertThat(fresh.getMeters().size()).as("the replacement's pool meters are new").isGreaterThan(meters);
        }
    }

    @Test
    void writesReplicaReadsAndFallbacksBehindAReplicaAreCountedPerShard() throws Exception {
        String key = keyOn("shard-0");
        EmbeddedServer replica = cluster.shard("shard-0").replica(0);
        replica.applyDelay(Duration.ofHours(1));      // the session's write cannot reach the replica in time
        try {
            Session session = router.session();
            session.write(key, kv.put(key, 1));
            assertThat(session.read(key, Consistency.SESSION, kv.get(key))).isEqualTo(1);
            router.read(key, Consistency.EVENTUAL, kv.get(key));
        } finally {
            replica.applyDelay(SharedCluster.APPLY_DELAY);
        }

        assertThat(counter("ringroute.router.writes", "shard", "shard-0")).isEqualTo(1);
        assertThat(counter("ringroute.router.writes", "shard", "shard-1")).isZero();
        assertThat(counter("ringroute.router.fallbacks", "shard", "shard-0", "reason", "replica_behind")).isEqualTo(1);
        assertThat(counter("ringroute.router.fallbacks", "shard", "shard-0", "reason", "replica_down")).isZero();
        assertThat(counter("ringroute.router.reads", "shard", "shard-0", "role", "primary", "server", "primary"))
                .isEqualTo(1);
        assertThat(counter("ringroute.router.reads", "shard", "shard-0", "role", "replica", "server", "replica0"))
                .isEqualTo(1);
    }

    @Test
    void replicaLagEpochHealthAndTheHikariPoolsArePublished() throws Exception {
        String key = keyOn("shard-1");
        router.write(key, kv.put(key, 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.get("ringroute.router.replica.lag.wal")
                .tags("shard", "shard-1", "server", "replica0").gauge().value() > 0
                || registry.get("ringroute.router.replica.lag").tags("shard", "shard-1").timeGauge()
                .value(TimeUnit.SECONDS) > 0);

        assertThat(registry.get("ringroute.router.epoch").gauge().value()).isZero();
        assertThat(registry.get("ringroute.router.server.healthy").tags("shard", "shard-1", "server", "replica0")
                .gauge().value()).isEqualTo(1);
        assertThat(registry.get("hikaricp.connections").tag("pool", "ringroute-shard-1-primary").gauge().value())
                .isPositive();
        assertThat(registry.find("hikaricp.connections.usage").tag("pool", "ringroute-shard-0-replica0").timer())
                .isNotNull();
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    private String keyOn(String shard) {
        for (int i = 0; ; i++) {
            if (router.shardOf("m-" + i).equals(shard)) {
                return "m-" + i;
            }
        }
    }
}
