package io.ringroute.shard.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.KeyHash;
import io.ringroute.ring.Node;
import io.ringroute.ring.RebalancePlan;
import io.ringroute.ring.TokenLayout;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.catalog.CatalogSnapshot;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The token layout in the topology catalog, on real embedded shards (primaries only; the catalog on one of them): two
 * routers build identical rings from the stored layout, a resharding allocates the new shard's tokens and stores
 * the new layout at its epoch, and a catalog created before layouts still loads with its random vnodes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LayoutReshardTest {

    private static final int ROWS = 2000;
    private static final String A = "shard-a";
    private static final String B = "shard-b";
    private static final String C = "shard-c";
    private static final ShardedTable ITEMS = ShardedTable.of("items", "k", "k");

    private EmbeddedShardCluster cluster;
    private EmbeddedServer catalogServer;
    private ShardTopology all;
    private CatalogSpec catalog;
    private TokenLayout twoShards;
    private ShardRouter router1;
    private ShardRouter router2;

    @BeforeAll
    void start() throws Exception {
        cluster = EmbeddedShardCluster.builder().shardNames(A, B, C).replicasPerShard(0).start();
        all = cluster.topology();
        catalogServer = cluster.shard(A).primary();     // the catalog is a schema: any server can hold it
        catalog = new CatalogSpec(catalogServer.spec(), "rr_layout", Duration.ofMillis(200));
        for (EmbeddedShard s : cluster.shards()) {
            try (Connection c = s.primary().connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (k text PRIMARY KEY, v bigint NOT NULL)");
                ITEMS.addTokenColumn(c);
            }
        }
        twoShards = TokenLayout.empty().withNode(Node.of(A)).withNode(Node.of(B));
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            cat.initialize(all.withoutShard(C).withLayout(twoShards));
            cat.registerTable(ITEMS);
        }
        // one router configured with random vnodes, one with another layout: the catalog's layout wins for both
        router1 = ShardRouter.builder().topology(all).catalog(catalog).build();
        router2 = ShardRouter.builder().topology(all.withLayout(TokenLayout.empty(8, 2))).catalog(catalog).build();
        // preloaded straight into the owners the stored layout names (one batch per shard): cheaper than routed
        // writes, and the first test checks the routers agree with that placement
        HashRing stored = HashRing.builder().layout(twoShards).build();
        for (EmbeddedShard s : cluster.shards()) {
            try (Connection c = s.primary().connect(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO items (k, v, ring_token) VALUES (?, ?, ?)")) {
                for (int i = 0; i < ROWS; i++) {
                    String key = "item-" + i;
                    if (stored.primary(key).id().equals(s.name())) {
                        ps.setString(1, key);
                        ps.setLong(2, i);
                        ps.setLong(3, KeyHash.token(key));
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
        }
    }

    @AfterAll
    void stop() {
        if (router1 != null) {
            router1.close();
        }
        if (router2 != null) {
            router2.close();
        }
        cluster.close();
    }

    @Test
    @Order(1)
    void twoRoutersOnOneCatalogBuildIdenticalRingsFromTheStoredLayout() throws Exception {
        HashRing stored = HashRing.builder().layout(twoShards).build();
        HashRing random = all.withoutShard(C).ring();
        int differFromRandom = 0;
        for (int i = 0; i < 4096; i++) {
            String key = "probe-" + i;
            assertThat(router1.shardOf(key)).as(key).isEqualTo(stored.primary(key).id());
            assertThat(router2.shardOf(key)).as(key).isEqualTo(stored.primary(key).id());
            differFromRandom += random.primary(key).id().equals(stored.primary(key).id()) ? 0 : 1;
        }
        assertThat(differFromRandom).as("keys the random ring places elsewhere").isPositive();
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            CatalogSnapshot snap = cat.snapshot();
            assertThat(snap.layout()).contains(twoShards);
            assertThat(snap.vnodes()).as("a router without layouts must refuse this catalog").isZero();
            assertThat(snap.ring().tokens()).isEqualTo(stored.tokens());
        }
        assertPlacement(stored);
    }

    @Test
    @Order(2)
    void aReshardWithTheAllocatorStoresTheNewLayoutAtTheNewEpochAndMovesExactlyThePlannedRows() throws Exception {
        TokenLayout threeShards = twoShards.withNode(Node.of(C));
        RebalancePlan plan = RebalancePlan.between(HashRing.builder().layout(twoShards).build(),
                HashRing.builder().layout(threeShards).build());
        assertThat(plan.moves()).as("keys move only to the new shard").allMatch(m -> m.to().id().equals(C));
        long expected = 0;
        for (int i = 0; i < ROWS; i++) {
            expected += plan.moveAt(KeyHash.token("item-" + i)).isPresent() ? 1 : 0;
        }
        Map<String, Double> target = weights(A, B, C);
        Resharder resharder = Resharder.builder().catalog(catalog).shards(all).batchSize(500)
                .cleanupGrace(Duration.ofMillis(300)).build();
        assertThat(resharder.plan(target).moves()).extracting(ReshardPlan.PlannedMove::move)
                .containsExactlyElementsOf(plan.moves());

        ReshardResult result = resharder.run(target);

        assertThat(result.rowsCopied()).as("rows in the planned ranges").isEqualTo(expected).isPositive();
        assertThat(result.rowsDeleted()).isEqualTo(expected);
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            CatalogSnapshot snap = cat.snapshot();
            assertThat(snap.epoch()).isEqualTo(result.epoch());
            assertThat(snap.layout()).contains(threeShards);
            assertThat(snap.targetLayout()).isEmpty();
            assertThat(snap.members()).isEqualTo(target);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> router1.epoch() >= result.epoch() && router2.epoch() >= result.epoch());
        HashRing now = HashRing.builder().layout(threeShards).build();
        for (int i = 0; i < 4096; i++) {
            String key = "probe-" + i;
            assertThat(router1.shardOf(key)).as(key).isEqualTo(now.primary(key).id());
            assertThat(router2.shardOf(key)).as(key).isEqualTo(now.primary(key).id());
        }
        assertPlacement(now);
    }

    @Test
    @Order(3)
    void aCatalogCreatedBeforeLayoutsStillLoadsWithItsRandomVnodes() throws Exception {
        CatalogSpec old = new CatalogSpec(catalogServer.spec(), "rr_old", Duration.ofMillis(200));
        try (Connection c = catalogServer.connect(); Statement st = c.createStatement()) {
            // the schema as the version before layouts created it
            st.execute("CREATE SCHEMA rr_old");
            st.execute("CREATE TABLE rr_old.topology (id int PRIMARY KEY CHECK (id = 1), epoch bigint NOT NULL,"
                    + " vnodes int NOT NULL, members text NOT NULL, target text,"
                    + " updated_at timestamptz NOT NULL DEFAULT now())");
            st.execute("CREATE TABLE rr_old.moves (idx int PRIMARY KEY, range_start bigint NOT NULL,"
                    + " range_end bigint NOT NULL, from_shard text NOT NULL, to_shard text NOT NULL,"
                    + " state text NOT NULL, rows_copied bigint NOT NULL DEFAULT 0,"
                    + " updated_at timestamptz NOT NULL DEFAULT now())");
            st.execute("CREATE TABLE rr_old.floors (shard text PRIMARY KEY, lsn bigint NOT NULL)");
            st.execute("CREATE TABLE rr_old.sharded_tables (name text PRIMARY KEY, key_column text NOT NULL,"
                    + " token_column text NOT NULL, primary_key text NOT NULL)");
            st.execute("INSERT INTO rr_old.topology (id, epoch, vnodes, members)"
                    + " VALUES (1, 7, 64, 'shard-a=1.0,shard-b=2.0')");
        }
        HashRing random = HashRing.builder().vnodesPerNode(64).node(Node.of(A)).node(Node.of(B, 2)).build();
        try (TopologyCatalog cat = TopologyCatalog.connect(old)) {
            CatalogSnapshot snap = cat.snapshot();
            assertThat(snap.layout()).as("read before any router migrated it").isEmpty();
            assertThat(snap.ring().tokens()).isEqualTo(random.tokens());
        }
        try (ShardRouter router = ShardRouter.builder().topology(all.withLayout(twoShards.withNode(Node.of(C))))
                .catalog(old).build()) {
            assertThat(router.epoch()).isEqualTo(7);
            for (int i = 0; i < 1000; i++) {
                assertThat(router.shardOf("probe-" + i)).isEqualTo(random.primary("probe-" + i).id());
            }
        }
        try (TopologyCatalog cat = TopologyCatalog.connect(old)) {
            CatalogSnapshot snap = cat.snapshot();
            assertThat(snap.layout()).as("migrated, still random vnodes").isEmpty();
            assertThat(snap.vnodes()).isEqualTo(64);
            assertThat(snap.epoch()).isEqualTo(7);
        }
        try (Connection c = catalogServer.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.columns WHERE table_schema"
                     + " = 'rr_old' AND table_name = 'topology' AND column_name IN ('layout', 'target_layout')")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the router added the layout columns").isEqualTo(2);
        }
    }

    /** Every row is stored exactly once, on the shard the ring names. */
    private void assertPlacement(HashRing ring) throws SQLException {
        Map<String, String> where = new HashMap<>();
        for (EmbeddedShard s : cluster.shards()) {
            try (Connection c = s.primary().connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT k FROM items")) {
                while (rs.next()) {
                    assertThat(where.put(rs.getString(1), s.name())).as("copies of %s", rs.getString(1)).isNull();
                }
            }
        }
        assertThat(where).hasSize(ROWS);
        where.forEach((k, shard) -> assertThat(shard).as(k).isEqualTo(ring.primary(k).id()));
    }

    private static Map<String, Double> weights(String... shards) {
        Map<String, Double> out = new TreeMap<>(Node.ID_ORDER);
        for (String s : shards) {
            out.put(s, 1.0);
        }
        return out;
    }
}
