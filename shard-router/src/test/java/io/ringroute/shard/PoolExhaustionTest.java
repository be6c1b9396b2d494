package io.ringroute.shard;

import io.ringroute.shard.config.ServerSpec;
import io.ringroute.shard.config.ShardSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** All connections of a small pool in use: the caller is told the pool is busy, not that the server is down. */
class PoolExhaustionTest {

    private static final int POOL = 2;

    @Test
    void aBusyPoolIsReportedAsExhaustedWithItsSizeAndTimeoutNotAsAnOutage() throws Exception {
        EmbeddedShardCluster cluster = SharedCluster.get();
        ServerSpec served = cluster.shard("shard-0").primary().spec();
        ServerSpec small = ServerSpec.builder(served.url()).user(served.user()).password(served.password())
                .maxPoolSize(POOL).minIdle(0).connectionTimeout(Duration.ofMillis(300)).build();
        ShardTopology topology = ShardTopology.builder()
                .shard(ShardSpec.builder("small").primary(small).build()).build();
        ExecutorService holders = Executors.newFixedThreadPool(POOL);
        CountDownLatch holding = new CountDownLatch(POOL);
        CountDownLatch release = new CountDownLatch(1);
        try (ShardRouter router = ShardRouter.builder().topology(topology).build()) {
            Future<?>[] held = new Future<?>[POOL];
            for (int i = 0; i < POOL; i++) {
                held[i] = holders.submit(() -> router.read("k", Consistency.STRONG, c -> {
                    holding.countDown();
                    try {
                        return release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }));
            }
            assertThat(holding.await(30, TimeUnit.SECONDS)).as("both connections checked out").isTrue();

            assertThatThrownBy(() -> router.read("k", Consistency.STRONG, c -> 1))
                    .isInstanceOfSatisfying(ShardPoolExhaustedException.class, e -> {
                        assertThat(ShardUnavailableException.class.isInstance(e)).as("still typed as before").isTrue();
                        assertThat(e.shard()).isEqualTo("small");
                        assertThat(e.role()).isEqualTo(Role.PRIMARY);
                        assertThat(e.poolSize()).isEqualTo(POOL);
                        assertThat(e.timeout()).isEqualTo(Duration.ofMillis(300));
                        assertThat(e.getMessage()).contains("connection pool is exhausted", "all 2 connections",
                                "300 ms").doesNotContain("unavailable");
                    });

            release.countDown();
            for (Future<?> f : held) {
                f.get(30, TimeUnit.SECONDS);
            }
            int again = router.read("k", Consistency.STRONG, c -> 1);
            assertThat(again).as("served again once freed").isEqualTo(1);
        } finally {
            release.countDown();
            holders.shutdownNow();
        }
    }
}
