package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A standby stopped with SIGSTOP (a hung host) must not slow down the polling of any other server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrozenStandbyTest {

    private EmbeddedShardCluster cluster;
    private ShardRouter router;

    @BeforeAll
    void start() {
        cluster = EmbeddedShardCluster.builder().shardNames("frozen").replicasPerShard(2).start();
        router = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(50)).build();
        ReadYourWritesTest.awaitReplicasCaughtUp(router);
    }

    @AfterAll
    void stop() {
        router.close();
        cluster.close();
    }

    @Test
    void aFrozenStandbyIsTakenOutAfterItsOwnTimeoutWhileTheOtherStandbyKeepsBeingPolled() throws Exception {
        ServerMetrics before = replica(1);
        try (AutoCloseable frozen = Faults.freeze(cluster, cluster.shard("frozen").replica(0))) {
            long frozenPolls = replica(0).polls();
            await().atMost(Duration.ofSeconds(60)).until(() -> replica(0).polls() >= frozenPolls + 2);
            ServerMetrics during = replica(1);

            assertThat(replica(0).healthy()).as("the frozen standby is out of rotation").isFalse();
            assertThat(during.polls() - before.polls())
                    .as("polls of the other standby while two polls of the frozen one waited out their timeouts")
                    .isGreaterThanOrEqualTo(10);
            assertThat(during.healthy()).isTrue();
            assertThat(during.ejections()).isEqualTo(before.ejections());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> replica(0).healthy());
    }

    private ServerMetrics replica(int index) {
        return router.metrics().replicas("frozen").get(index);
    }
}
