package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A standby that comes back is put into rotation once its pool serves, and then stays there. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicaReadmissionTest {

    private EmbeddedShardCluster cluster;
    private EmbeddedServer standby;
    private final Kv kv = new Kv("kv_readmission");
    private ShardRouter router;

    @BeforeAll
    void start() throws Exception {
        cluster = EmbeddedShardCluster.builder().shardNames("readmit").replicasPerShard(1).start();
        standby = cluster.shard("readmit").replica(0);
        kv.create(cluster);
        router = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(20)).build();
        router.write("readmit-1", kv.put("readmit-1", 1));
        ReadYourWritesTest.awaitReplicasCaughtUp(router);
    }

    @AfterAll
    void stop() {
        router.close();
        cluster.close();
    }

    @Test
    void aStandbyThatComesBackServesEveryReadRoutedToItWithoutFallingOutOfRotationAgain() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (running.get()) {
                try {
                    router.read("readmit-1", Consistency.EVENTUAL, kv.get("readmit-1"));
                    reads.incrementAndGet();
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }
        });
        reader.start();
        try {
            standby.stop();
            await().atMost(Duration.ofSeconds(20)).until(() -> !replica().healthy());
            // Down long enough (300 failed polls) for the pool's connection attempts to back off to seconds apart.
            long pollsWhileDown = replica().polls();
            await().atMost(Duration.ofSeconds(90)).until(() -> replica().polls() > pollsWhileDown + 300);

            standby.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> replica().healthy());
            ServerMetrics back = replica();
            long fallbacks = router.metrics().primary("readmit").orElseThrow().fallbacksToPrimary();
            await().atMost(Duration.ofSeconds(30)).until(() -> replica().reads() > back.reads() + 200);

            assertThat(replica().ejections()).as("times out of rotation after it came back")
                    .isEqualTo(back.ejections());
            assertThat(router.metrics().primary("readmit").orElseThrow().fallbacksToPrimary())
                    .as("EVENTUAL reads that fell back to the primary after it came back").isEqualTo(fallbacks);
        } finally {
            running.set(false);
            reader.join();
            standby.start();
        }
        assertThat(failure.get()).as("no read failed").isNull();
    }

    private ServerMetrics replica() {
        return router.metrics().replicas("readmit").get(0);
    }
}
