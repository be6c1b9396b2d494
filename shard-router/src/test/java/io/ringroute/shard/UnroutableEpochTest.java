package io.ringroute.shard;

import io.ringroute.ring.KeyHash;
import io.ringroute.ring.RangeMove;
import io.ringroute.ring.RebalancePlan;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A catalog epoch that names a shard a router's configuration lacks: a running router keeps routing by the epoch it
 * has and says so once; a router starting on such a catalog fails naming the shard.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnroutableEpochTest {

    private static final String OLD = "shard-0";
    private static final String NEW = "shard-1";

    private final EmbeddedShardCluster cluster = SharedCluster.get();
    private EmbeddedServer catalogServer;

    @BeforeAll
    void start() {
        catalogServer = cluster.startStandalone("unroutable-catalog");
    }

    @AfterAll
    void stop() {
        catalogServer.close();
    }

    @Test
    void aRouterLackingTheShardANewerEpochNamesKeepsRoutingByItsEpochAndSaysSoOnce() throws Exception {
        CatalogSpec catalog = new CatalogSpec(catalogServer.spec(), "rr_unroutable", Duration.ofMillis(200));
        ShardTopology lackingNew = cluster.topology().withoutShard(NEW);
        List<RangeMove> moves = RebalancePlan.between(lackingNew.ring(), cluster.topology().ring()).moves();
        String movedKey = keyIn(moves.get(0));
        List<String> lines;
        try (CapturedLog log = new CapturedLog();
             ShardRouter lacking = ShardRouter.builder().topology(lackingNew).catalog(catalog).build();
             ShardRouter full = ShardRouter.builder().topology(cluster.topology()).catalog(catalog).build();
             TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            assertThat(lacking.epoch()).isEqualTo(1);
            cat.beginResharding(Map.of(OLD, 1.0, NEW, 1.0), Optional.empty(), moves);
            cat.handOver(0, 2, NEW, 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> full.epoch() == 2
                    && log.linesOf(RouterTopology.class).stream().anyMatch(l -> l.contains(" INFO ")));
            cat.handOver(1, 3, NEW, 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> full.epoch() == 3);

            assertThat(full.shardOf(movedKey)).isEqualTo(NEW);
            assertThat(lacking.epoch()).isEqualTo(1);
            assertThat(lacking.shardOf(movedKey)).isEqualTo(OLD);
            lines = log.linesOf(RouterTopology.class);
        }
        assertThat(lines).filteredOn(l -> l.contains(" INFO ")).singleElement().asString()
                .contains("keeps routing by topology epoch 1: epoch 2 needs a router built with its shards",
                        "shard '" + NEW + "' owns tokens at epoch 2");
    }

    @Test
    void aRouterStartingOnACatalogWhoseEpochNamesAShardItLacksFailsNamingTheShard() throws Exception {
        CatalogSpec catalog = new CatalogSpec(catalogServer.spec(), "rr_unroutable_start", Duration.ofMillis(200));
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            cat.initialize(cluster.topology());
        }
        assertThatThrownBy(() -> ShardRouter.builder().topology(cluster.topology().withoutShard(NEW))
                .catalog(catalog).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shard '" + NEW + "' owns tokens at epoch 1 but this router's configuration"
                        + " does not define it");
    }

    private static String keyIn(RangeMove move) {
        for (int i = 0; i < 1_000_000; i++) {
            String key = "moved-" + i;
            if (move.range().contains(KeyHash.token(key))) {
                return key;
            }
        }
        throw new AssertionError("no key in " + move.range());
    }
}
