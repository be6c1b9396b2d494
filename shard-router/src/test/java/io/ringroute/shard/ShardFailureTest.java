package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Servers stopped under a running router: replicas drop out and come back, a dead primary fails fast. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShardFailureTest {

    private final EmbeddedShardCluster cluster = SharedCluster.get();
    private final Kv kv = new Kv("kv_failure");
    private ShardRouter router;
    private final List<String> keys = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        kv.create(cluster);
        router = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(20)).build();
        for (int i = 0; i < 40; i++) {
            String key = "fail-" + i;
            keys.add(key);
            router.write(key, kv.put(key, i));
        }
        ReadYourWritesTest.awaitReplicasCaughtUp(router);
    }

    @AfterAll
    void stop() {
        router.close();
    }

    @Test
    void readsKeepSucceedingWhileAReplicaIsDownAndUseItAgainWhenItIsBack() throws Exception {
        EmbeddedServer replica = cluster.shard("shard-0").replica(0);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            for (int i = 0; running.get(); i++) {
                String key = keys.get(i % keys.size());
                try {
                    long v = router.read(key, Consistency.EVENTUAL, kv.get(key));
                    if (v != Long.parseLong(key.substring(5))) {
                        failure.compareAndSet(null, new AssertionError(key + " read " + v));
                    }
                    reads.incrementAndGet();
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }
        });
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> reads.get() > 100);
            replica.stop();
            await().atMost(Duration.ofSeconds(10)).until(() -> !replicaOf("shard-0").healthy());
            int readsWhileDown = reads.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> reads.get() > readsWhileDown + 200);
            assertThat(failure.get()).as("no read failed while the replica was down").isNull();

            replica.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> replicaOf("shard-0").healthy());
            long replicaReads = replicaOf("shard-0").reads();
            await().atMost(Duration.ofSeconds(10)).until(() -> replicaOf("shard-0").reads() > replicaReads + 50);
        } finally {
            running.set(false);
            reader.join();
            replica.start();
        }
        assertThat(failure.get()).as("no read failed").isNull();
    }

    @Test
    void writesToAStoppedPrimaryFailFastWithTheTypedExceptionNamingTheShard() throws Exception {
        EmbeddedServer primary = cluster.shard("shard-1").primary();
        String key = keys.stream().filter(k -> router.shardOf(k).equals("shard-1")).findFirst().orElseThrow();
        primary.stop();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                for (int attempt = 0; attempt < 3; attempt++) {     // pooled connections die first, then new ones
                    long start = System.nanoTime();
                    assertThatThrownBy(() -> router.write(key, kv.put(key, 99)))
                            .isInstanceOfSatisfying(ShardUnavailableException.class, e -> {
                                assertThat(e.shard()).isEqualTo("shard-1");
                                assertThat(e.role()).isEqualTo(Role.PRIMARY);
                                assertThat(e.getMessage()).contains("shard 'shard-1' primary is unavailable");
                            });
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
                }
            });
            assertThat(router.read(key, Consistency.EVENTUAL, kv.get(key)))
                    .as("the replica still serves eventual reads").isEqualTo(Long.parseLong(key.substring(5)));
        } finally {
            primary.start();
        }
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> router.write(key, kv.put(key, 100)) == 1);
    }

    private ServerMetrics replicaOf(String shard) {
        return router.metrics().replicas(shard).get(0);
    }
}
