package io.ringroute.shard;

import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A cutover that stalls (its resharder stopped, or a catalog row locked) holds writers and catalog steps for a
 * bounded time: writers get a typed, retryable error naming the shard; a catalog step fails naming itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FenceTimeoutTest {

    private final EmbeddedShardCluster cluster = SharedCluster.get();
    private final Kv kv = new Kv("kv_fence_timeout");
    private EmbeddedServer catalogServer;
    private CatalogSpec catalog;

    @BeforeAll
    void start() throws SQLException {
        kv.create(cluster);
        catalogServer = cluster.startStandalone("fence-timeout-catalog");
        catalog = new CatalogSpec(catalogServer.spec(), "rr_fence_timeout", Duration.ofMillis(200));
    }

    @AfterAll
    void stop() {
        catalogServer.close();
    }

    @Test
    void aWriterHeldAtAFenceLongerThanTheFenceWaitGetsARetryableErrorNamingTheShard() throws Exception {
        try (ShardRouter router = ShardRouter.builder().topology(cluster.topology()).catalog(catalog)
                .fenceWait(Duration.ofMillis(500)).build()) {
            String key = "fenced-key";
            String shard = router.shardOf(key);
            router.write(key, kv.put(key, 1));                      // installs the fence
            try (Connection cutover = cluster.shard(shard).primary().connect();
                 Statement st = cutover.createStatement()) {
                st.execute("SELECT pg_advisory_lock(" + WriteFence.LOCK_KEY + ")");    // what a cutover holds

                CompletableFuture<Throwable> held = CompletableFuture.supplyAsync(() -> {
                    try {
                        router.write(key, kv.put(key, 2));
                        return null;
                    } catch (Throwable e) {
                        return e;
                    }
                });
                await().atMost(Duration.ofSeconds(30)).until(held::isDone);

                assertThat(held.get()).isInstanceOfSatisfying(WriteFenceTimeoutException.class, e -> {
                    assertThat((Throwable) e).isInstanceOf(java.sql.SQLTransientException.class);
                    assertThat(e.shard()).isEqualTo(shard);
                    assertThat(e.getSQLState()).isEqualTo("55P03");
                    assertThat(e.waited()).isEqualTo(Duration.ofMillis(500));
                    assertThat(e.getMessage()).contains("shard '" + shard + "'", "retry");
                });
                st.execute("SELECT pg_advisory_unlock(" + WriteFence.LOCK_KEY + ")");
            }
            router.write(key, kv.put(key, 3));
            assertThat(router.read(key, Consistency.STRONG, kv.get(key))).as("nothing of the refused unit ran")
                    .isEqualTo(3L);
        }
    }

    @Test
    void aCatalogHandOverBehindALockedTopologyRowFailsNamingTheStepInsteadOfWaiting() throws Exception {
        CatalogSpec own = new CatalogSpec(catalogServer.spec(), "rr_fence_step", Duration.ofMillis(200));
        try (TopologyCatalog cat = TopologyCatalog.connect(own, "fence-test", Duration.ofMillis(300))) {
            cat.initialize(cluster.topology());
            cat.beginResharding(Map.of("shard-0", 1.0), java.util.Optional.empty(), List.of());
            try (Connection locker = catalogServer.connect(); Statement st = locker.createStatement()) {
                locker.setAutoCommit(false);
                st.execute("SELECT * FROM rr_fence_step.topology FOR UPDATE");

                CompletableFuture<Throwable> handOver = CompletableFuture.supplyAsync(() -> {
                    try {
                        cat.handOver(0, 2, "shard-0", 0);
                        return null;
                    } catch (Throwable e) {
                        return e;
                    }
                });
                await().atMost(Duration.ofSeconds(30)).until(handOver::isDone);

                assertThat(handOver.get()).isInstanceOf(SQLException.class)
                        .hasMessageContaining("handing move 0 over to 'shard-0' at epoch 2")
                        .hasMessageContaining("step timeout of 300 ms");
                locker.rollback();
            }
            assertThat(cat.epoch()).as("nothing was handed over").isEqualTo(1);
        }
    }
}
