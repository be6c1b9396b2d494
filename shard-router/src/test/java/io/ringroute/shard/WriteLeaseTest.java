package io.ringroute.shard;

import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static io.ringroute.shard.Queries.queryInt;
import static io.ringroute.shard.Queries.queryText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Write leases: a leasing router's units on a connection that holds a lease skip the write gate, and a cutover's
 * revocation ends that connection, so a router that has not learned the new epoch is refused (its unit runs again
 * on a fresh connection, which passes the gate), never applied to the shard that lost the range.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WriteLeaseTest {

    private final EmbeddedShardCluster cluster = SharedCluster.get();
    private final Kv kv = new Kv("kv_write_lease");
    private EmbeddedServer catalogServer;
    private CatalogSpec catalog;

    @BeforeAll
    void start() throws SQLException {
        kv.create(cluster);
        catalogServer = cluster.startStandalone("write-lease-catalog");
        catalog = new CatalogSpec(catalogServer.spec(), "rr_write_lease", Duration.ofMillis(200));
    }

    @AfterAll
    void stop() {
        catalogServer.close();
    }

    @Test
    void aLeasedConnectionsUnitHoldsNoGateLockWhileAnUnleasedOnesDoes() throws Exception {
        String key = "lease-key";
        try (ShardRouter leasing = router(true); ShardRouter plain = router(false)) {
            leasing.write(key, kv.put(key, 1));                    // passes the gate, takes the lease
            int[] leased = leasing.write(key, c -> {
                kv.put(key, 2).apply(c);
                return locksHeld(c);
            });
            assertThat(leased).as("gate, lease locks held by a leased unit").containsExactly(0, 1);
            int[] unleased = plain.write(key, c -> {
                kv.put(key, 3).apply(c);
                return locksHeld(c);
            });
            assertThat(unleased).as("gate, lease locks held by a unit of a router without leases").containsExactly(1, 0);
            assertThat(leasing.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(3L);
        }
    }

    @Test
    void aCutoverEndsLeasedSessionsSoARouterAtTheOldEpochIsRefusedNotApplied() throws Exception {
        String key = "lease-revoked";
        try (ShardRouter router = router(true)) {
            EmbeddedServer primary = cluster.shard(router.shardOf(key)).primary();
            router.write(key, kv.put(key, 1));
            int leasedPid = router.write(key, c -> queryInt(c, "SELECT pg_backend_pid()"));
            try (Connection cutover = primary.connect(); Statement st = cutover.createStatement()) {
                String saved = queryText(cutover, "SELECT last_value || ',' || is_called FROM ringroute.min_epoch");
                st.execute("SELECT pg_advisory_lock(" + WriteFence.LOCK_KEY + ")");      // what a cutover takes
                try {
                    assertThat(WriteFence.revokeLeases(cutover, Duration.ofSeconds(10), Duration.ZERO)).isTrue();
                    await("the leased session ends").atMost(Duration.ofSeconds(10))
                            .until(() -> queryInt(cutover, "SELECT count(*) FROM pg_stat_activity WHERE pid = "
                                    + leasedPid) == 0);
                    WriteFence.raiseMinimumEpoch(cutover, router.metrics().epoch() + 1);
                    WriteFence.releaseRevoked(cutover);
                    st.execute("SELECT pg_advisory_unlock(" + WriteFence.LOCK_KEY + ")");

                    // the catalog publishes nothing newer: the router stays at its epoch, as one that missed it
                    assertThatThrownBy(() -> router.write(key, kv.put(key, 2)))
                            .isInstanceOfSatisfying(ShardUnavailableException.class,
                                    e -> assertThat(e.getMessage()).contains(router.shardOf(key), "refuses writes"));
                } finally {
                    String[] v = saved.split(",");
                    st.execute("SELECT setval('ringroute.min_epoch', " + v[0] + ", " + v[1] + ")");
                }
                assertThat(queryInt(cutover, "SELECT v FROM " + kv.table + " WHERE k = '" + key + "'"))
                        .as("the refused unit's value").isEqualTo(1);
            }
            router.write(key, kv.put(key, 3));                    // a fresh connection passes the gate again
            assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(3L);
        }
    }

    private ShardRouter router(boolean leases) {
        return ShardRouter.builder().topology(OnePerPool.topology(cluster)).catalog(catalog.withWriteLeases(leases))
                .build();
    }

    /** How many times this session holds the write gate's lock and the lease lock (shared). */
    private static int[] locksHeld(Connection c) throws SQLException {
        return new int[]{advisoryHeld(c, WriteFence.LOCK_KEY), advisoryHeld(c, WriteFence.LEASE_KEY)};
    }

    private static int advisoryHeld(Connection c, long key) throws SQLException {
        return queryInt(c, "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'"
                + " AND granted AND classid = '" + (key >>> 32) + "'::oid AND objid = '" + (key & 0xffffffffL)
                + "'::oid AND objsubid = 1");
    }
}
