package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import io.ringroute.shard.metrics.RouterMeterBinder;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Servers stopped under a running router: a replica drops out and comes back, a dead primary fails with the typed
 * exception. It stops servers, so it has a cluster of its own (one shard: a primary and a standby) that no other
 * test class reads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShardFailureTest {

    private static final String SHARD = "shard-0";

    private EmbeddedShardCluster cluster;
    private final Kv kv = new Kv("kv_failure");
    private ShardRouter router;
    private final List<String> keys = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        cluster = EmbeddedShardCluster.builder().shards(1).replicasPerShard(1).start();
        kv.create(cluster);
        router = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(20)).build();
        for (int i = 0; i < 10; i++) {
            String key = "fail-" + i;
            keys.add(key);
            router.write(key, kv.put(key, i));
        }
        ReadYourWritesTest.awaitReplicasCaughtUp(router);
    }

    @AfterAll
    void stop() {
        router.close();
        cluster.close();
    }

    @Test
    void readsKeepSucceedingOnThePrimaryWhileTheReplicaIsDownAndUseTheReplicaAgainWhenItIsBack() throws Exception {
        EmbeddedServer replica = cluster.shard(SHARD).replica(0);
        long replicaReads = replica().reads();
        assertEventualReadsOfEveryKey();
        assertThat(replica().reads()).as("reads on the healthy replica").isEqualTo(replicaReads + keys.size());

        replica.stop();
        try {
            assertEventualReadsOfEveryKey();     // the first may find the pooled connection dead: retried on the primary
            await().atMost(Duration.ofSeconds(30)).until(() -> !replica().healthy());
            assertThat(replica().ejections()).isPositive();
            RouterMetrics before = router.metrics();

            assertEventualReadsOfEveryKey();

            RouterMetrics after = router.metrics();
            assertThat(primary().reads() - before.primary(SHARD).orElseThrow().reads()).isEqualTo(keys.size());
            assertThat(after.fallbacks(SHARD, FallbackReason.REPLICA_DOWN)
                    - before.fallbacks(SHARD, FallbackReason.REPLICA_DOWN)).isEqualTo(keys.size());
        } finally {
            replica.start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> replica().healthy());
        replicaReads = replica().reads();
        assertEventualReadsOfEveryKey();
        assertThat(replica().reads()).as("reads on the replica back in rotation")
                .isEqualTo(replicaReads + keys.size());
    }

    /** The meters of a stopped replica, on this class's own cluster: RouterMeterBinderTest stops no shared server. */
    @Test
    void aReadWhileTheOnlyReplicaIsDownIsPublishedAsAFallbackBecauseItIsDown() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new RouterMeterBinder(router).bindTo(registry);
        EmbeddedServer replica = cluster.shard(SHARD).replica(0);
        String key = keys.get(5);
        double fallbacks = replicaDownFallbacks(registry);
        replica.stop();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> registry.get("ringroute.router.server.healthy")
                    .tags("shard", SHARD, "server", "replica0").gauge().value() == 0);
            router.read(key, Consistency.EVENTUAL, kv.get(key));
        } finally {
            replica.start();
        }
        assertThat(replicaDownFallbacks(registry)).isEqualTo(fallbacks + 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> replica().healthy());
    }

    private static double replicaDownFallbacks(SimpleMeterRegistry registry) {
        return registry.get("ringroute.router.fallbacks").tags("shard", SHARD, "reason", "replica_down")
                .functionCounter().count();
    }

    @Test
    void writesToAStoppedPrimaryFailWithTheTypedExceptionNamingTheShardAndSucceedOnceItIsBack() throws Exception {
        EmbeddedServer primary = cluster.shard(SHARD).primary();
        String key = keys.get(3);
        primary.stop();
        try {
            for (int attempt = 0; attempt < 3; attempt++) {     // pooled connections die first, then new ones fail
                assertThatThrownBy(() -> router.write(key, kv.put(key, 99)))
                        .isInstanceOfSatisfying(ShardUnavailableException.class, e -> {
                            assertThat(e.shard()).isEqualTo(SHARD);
                            assertThat(e.role()).isEqualTo(Role.PRIMARY);
                            assertThat(e.getSQLState()).isEqualTo("08006");
                            assertThat(e.getMessage()).contains("shard 'shard-0' primary is unavailable");
                        });
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> !primary().healthy());
            long replicaReads = replica().reads();
            assertThat(router.read(key, Consistency.EVENTUAL, kv.get(key)))
                    .as("the replica still serves eventual reads").isEqualTo(3);
            assertThat(replica().reads()).isEqualTo(replicaReads + 1);
        } finally {
            primary.start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> primary().healthy());
        await().atMost(Duration.ofSeconds(30)).ignoreException(ShardUnavailableException.class)
                .until(() -> router.write(key, kv.put(key, 100)) == 1);
        assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(100);
        assertThat(router.write(key, kv.put(key, 3))).isOne();
        ReadYourWritesTest.awaitReplicasCaughtUp(router);      // the replica serves the preloaded values again
    }

    private void assertEventualReadsOfEveryKey() throws SQLException {
        for (int i = 0; i < keys.size(); i++) {
            assertThat(router.read(keys.get(i), Consistency.EVENTUAL, kv.get(keys.get(i)))).isEqualTo(i);
        }
    }

    private ServerMetrics replica() {
        return router.metrics().replicas(SHARD).get(0);
    }

    private ServerMetrics primary() {
        return router.metrics().primary(SHARD).orElseThrow();
    }
}
