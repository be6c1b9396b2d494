package io.ringroute.shard;

import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import io.ringroute.shard.reshard.Accounts;
import io.ringroute.shard.reshard.ReshardResult;
import io.ringroute.shard.reshard.Resharder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A router keeps working while its topology catalog server is down and follows it again after a restart: it
 * reconnects, learns the epochs a resharding published since, and reads and writes moved keys on their new owner.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CatalogRestartTest {

    private static final String A = "shard-a";
    private static final String B = "shard-b";
    private static final String C = "shard-c";
    private static final int KEYS = 300;

    private EmbeddedShardCluster cluster;
    private EmbeddedServer catalogServer;
    private CatalogSpec catalog;
    private ShardRouter router;

    @BeforeAll
    void start() throws Exception {
        cluster = EmbeddedShardCluster.builder().shardNames(A, B, C).replicasPerShard(0).vnodesPerShard(16).start();
        catalogServer = cluster.startStandalone("catalog");
        catalog = new CatalogSpec(catalogServer.spec(), "rr_catalog", Duration.ofMillis(200));
        Accounts.create(cluster, catalog, cluster.topology().withoutShard(C));
        router = ShardRouter.builder().topology(cluster.topology()).catalog(catalog).build();
        for (int i = 0; i < KEYS; i++) {
            router.write("acct-" + i, Accounts.put("acct-" + i, i));
        }
    }

    @AfterAll
    void stop() {
        router.close();
        cluster.close();
    }

    @Test
    @Order(1)
    void readsAndWritesGoOnWhileTheCatalogIsDownEvenForATokenFromANewerEpoch() throws Exception {
        Session fromTheFuture = router.session(ConsistencyToken.empty()
                .withWrite(A, new ServerIdentity(0, 0), 1, router.epoch() + 1_000_000));
        catalogServer.stop();
        try {
            for (int i = 0; i < 20; i++) {
                String key = "acct-" + i;
                assertThat(fromTheFuture.read(key, Consistency.SESSION, get(key))).isEqualTo((long) i);
                router.write(key, Accounts.put(key, i));
            }
            assertThat(router.epoch()).isEqualTo(1);
        } finally {
            catalogServer.start();
        }
    }

    @Test
    @Order(2)
    void afterTheCatalogRestartsTheRouterFollowsANewEpochAndReadsMovedKeysOnTheirNewOwner() throws Exception {
        catalogServer.stop();
        catalogServer.start();
        Map<String, String> ownerBefore = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            ownerBefore.put("acct-" + i, router.shardOf("acct-" + i));
        }

        ReshardResult result = Resharder.builder().catalog(catalog).shards(cluster.topology()).batchSize(500)
                .cleanupGrace(Duration.ofMillis(300)).build().run(weights(A, B, C));

        await().atMost(Duration.ofSeconds(30)).until(() -> router.epoch() == result.epoch());
        int moved = 0;
        for (int i = 0; i < KEYS; i++) {
            String key = "acct-" + i;
            if (!router.shardOf(key).equals(ownerBefore.get(key))) {
                moved++;
                assertThat(router.shardOf(key)).isEqualTo(C);
            }
            assertThat(router.read(key, Consistency.STRONG, get(key))).as(key).isEqualTo((long) i);
            router.write(key, Accounts.put(key, i + 1));      // also to the shards that lost ranges: no refusal left
            assertThat(router.read(key, Consistency.STRONG, get(key))).as(key).isEqualTo(i + 1L);
        }
        assertThat(moved).as("keys moved to the new shard").isPositive();
        assertThat(rowsOn(C)).isEqualTo(moved);
    }

    @Test
    @Order(3)
    void anOutageIsLoggedAsOneWarningHoweverManyRefreshesFailAndItsEndAsOneInfo() throws Exception {
        List<String> lines;
        try (CapturedLog log = new CapturedLog();
             CatalogWatcher watcher = new CatalogWatcher(TopologyCatalog.connect(catalog), router::epoch, s -> { }, null)) {
            catalogServer.stop();
            try {
                await().atMost(Duration.ofMinutes(1)).until(() -> watcher.failedRefreshes() >= 10);
            } finally {
                catalogServer.start();
            }
            await().atMost(Duration.ofMinutes(1)).until(() -> watcher.lastFailure() == null);
            await().atMost(Duration.ofMinutes(1)).until(() -> log.linesOf(CatalogWatcher.class).stream()
                    .filter(l -> l.contains(" INFO ")).count() == 2); // the router's watcher is back too
            lines = log.linesOf(CatalogWatcher.class);
        }
        assertThat(lines).as("one per watcher, this test's and the router's, for 10 and more failed refreshes each")
                .filteredOn(l -> l.contains(" WARN ")).hasSize(2)
                .allMatch(l -> l.contains("refreshing the topology failed, retrying"));
        assertThat(lines).filteredOn(l -> l.contains(" INFO ") && l.contains("answers again")).hasSize(2);
    }

    private long rowsOn(String shard) throws SQLException {
        try (Connection c = cluster.shard(shard).primary().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM accounts")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, Double> weights(String... shards) {
        Map<String, Double> out = new TreeMap<>();
        for (String s : shards) {
            out.put(s, 1.0);
        }
        return out;
    }


    private static ShardWork<Long> get(String key) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT v FROM accounts WHERE k = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : -1L;
                }
            }
        };
    }
}
