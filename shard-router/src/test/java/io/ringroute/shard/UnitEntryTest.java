package io.ringroute.shard;

import io.ringroute.ring.KeyHash;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static io.ringroute.shard.Queries.queryInt;
import static io.ringroute.shard.Queries.queryLong;
import static io.ringroute.shard.Queries.queryText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A {@code write(...)} unit enters the shard (the fence's shared lock and check, the key's token) inside its
 * transaction, with its first statement: nothing is sent before the work's first statement, that statement already
 * runs behind the fence with the token bound, and the COMMIT releases both. With write leases, a unit on a leased
 * connection skips the gate, and a cutover's revocation ends a straggler's leased session, so a router at the old
 * epoch is refused, never applied to the shard that lost the range. Primary pools of one connection here, so the
 * server session a unit used can be watched from outside.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnitEntryTest {

    private final EmbeddedShardCluster cluster = SharedCluster.get();
    private final Kv kv = new Kv("kv_unit_entry");
    private EmbeddedServer catalogServer;
    private CatalogSpec catalog;

    @BeforeAll
    void start() throws SQLException {
        kv.create(cluster);
        catalogServer = cluster.startStandalone("unit-entry-catalog");
        catalog = new CatalogSpec(catalogServer.spec(), "rr_unit_entry", Duration.ofMillis(200));
    }

    @AfterAll
    void stop() {
        catalogServer.close();
    }

    @Test
    void theEntryGoesWithTheFirstStatementWhichRunsBehindTheFenceWithTheKeysToken() throws Exception {
        try (ShardRouter router = fencedRouter()) {
            String key = "entry-key";
            int pid = router.read(key, Consistency.STRONG, c -> queryInt(c, "SELECT pg_backend_pid()"));
            EmbeddedServer primary = cluster.shard(router.shardOf(key)).primary();

            String[] seen = router.write(key, c -> {
                String before = stateOf(primary, pid);
                try (PreparedStatement ps = c.prepareStatement("SELECT current_setting('ringroute.token', true),"
                        + " (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock'"
                        + " AND pid = pg_backend_pid())"); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new String[] {before, rs.getString(1), rs.getString(2)};
                }
            });

            assertThat(seen[0]).as("before the work's first statement the unit has sent nothing").isEqualTo("idle");
            assertThat(seen[1]).as("the token, bound in the first statement's round trip")
                    .isEqualTo(Long.toString(KeyHash.token(key)));
            assertThat(seen[2]).as("the fence's shared lock, held").isEqualTo("1");
            int[] after = router.read(key, Consistency.STRONG, c -> new int[] {
                queryInt(c, "SELECT pg_backend_pid()"),
                queryInt(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"),
                queryInt(c, "SELECT length(coalesce(current_setting('ringroute.token', true), ''))")});
            assertThat(after).as("same connection; its COMMIT released the lock and the token")
                    .containsExactly(pid, 0, 0);
        }
    }

    @Test
    void theFirstStatementsOwnResultIsWhatTheWorkSeesAndItsInsertIsStampedWithTheToken() throws Exception {
        try (ShardRouter router = fencedRouter()) {
            String key = "entry-stamped";
            int updated = router.write(key, kv.put(key, 7));

            assertThat(updated).isEqualTo(1);
            assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(7L);
            long stamped = router.read(key, Consistency.STRONG, c -> queryLong(c, "SELECT tok FROM " + kv.table
                    + " WHERE k = '" + key + "'"));
            assertThat(stamped).isEqualTo(KeyHash.token(key));
        }
    }

    @Test
    void aShardThatTakesWritesOnlyFromANewerEpochRefusesTheUnitBeforeItsFirstStatementRuns() throws Exception {
        try (ShardRouter router = fencedRouter()) {
            String key = "entry-refused";
            EmbeddedServer primary = cluster.shard(router.shardOf(key)).primary();
            router.write(key, kv.put(key, 1));
            try (Connection admin = primary.connect(); Statement st = admin.createStatement()) {
                String restore = minimumEpochRestore(admin);
                WriteFence.raiseMinimumEpoch(admin, router.metrics().epoch() + 1);
                try {
                    assertRefused(router, key);
                } finally {
                    st.execute(restore);
                }
            }
            assertThat(router.read(key, Consistency.STRONG, kv.get(key))).as("the refused unit's statement")
                    .isEqualTo(1L);
        }
    }

    @Test
    void aShardWhoseFenceLacksTheUnitEntryGetsItAtTheFirstWrite() throws Exception {
        try (ShardRouter router = fencedRouter()) {
            String key = "entry-upgrade";
            EmbeddedServer primary = cluster.shard(router.shardOf(key)).primary();
            try (Connection admin = primary.connect(); Statement st = admin.createStatement()) {
                st.execute("DROP FUNCTION ringroute.enter_unit(bigint, text, int)");   // a fence of an older version
            }

            router.write(key, kv.put(key, 5));

            assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(5L);
            try (Connection admin = primary.connect()) {
                assertThat(queryText(admin, "SELECT to_regprocedure('ringroute.enter_unit(bigint, text, int)')"))
                        .isNotNull();
            }
        }
    }

    @Test
    void turningAutocommitOnInsideAUnitFailsAndCommitsNothing() throws Exception {
        try (ShardRouter router = ShardRouter.builder().topology(OnePerPool.topology(cluster)).build()) {
            String key = "entry-autocommit";

            assertThatThrownBy(() -> router.write(key, c -> {
                kv.put(key, 9).apply(c);
                c.setAutoCommit(true);
                return null;
            })).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25000"));

            assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(-1L);
        }
    }

    @Test
    void theFirstStatementAUnitPreparesCannotBeBatchedButOnePreparedAfterAStatementRanCan() throws Exception {
        try (ShardRouter router = ShardRouter.builder().topology(OnePerPool.topology(cluster)).build()) {
            String key = "entry-batch";

            assertThatThrownBy(() -> router.write(key, c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + kv.table + " (k, v) VALUES (?, ?)")) {
                    ps.setString(1, key);
                    ps.setLong(2, 1);
                    ps.addBatch();
                    return ps.executeBatch().length;
                }
            })).isInstanceOf(SQLFeatureNotSupportedException.class).hasMessageContaining("cannot be batched");
            int[] counts = router.write(key, c -> {
                kv.put(key, 1).apply(c);
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + kv.table + " SET v = v + ? WHERE k = ?")) {
                    for (int i = 0; i < 2; i++) {
                        ps.setLong(1, 10);
                        ps.setString(2, key);
                        ps.addBatch();
                    }
                    return ps.executeBatch();
                }
            });

            assertThat(counts).containsExactly(1, 1);
            assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(21L);
        }
    }

    @Test
    void withoutACatalogAnUpdateRunsWithoutTheTokenAndTheUnitsNextInsertStillGetsIt() throws Exception {
        try (ShardRouter router = ShardRouter.builder().topology(OnePerPool.topology(cluster)).build()) {
            String key = "static-update-key";
            String other = key + "-2";     // same unit, so the same shard: the token is the unit's key's
            router.write(key, kv.put(key, 1));
            long[] seen = router.write(key, c -> {
                long tokenDuringUpdate;
                try (PreparedStatement ps = c.prepareStatement(" /* a comment */ UPDATE " + kv.table
                        + " SET v = length(coalesce(current_setting('ringroute.token', true), '')) WHERE k = ?")) {
                    ps.setString(1, key);
                    assertThat(ps.executeUpdate()).isOne();
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT v FROM " + kv.table + " WHERE k = ?")) {
                    ps.setString(1, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        tokenDuringUpdate = rs.getLong(1);
                    }
                }
                kv.put(other, 7).apply(c);
                return new long[]{tokenDuringUpdate, queryLong(c, "SELECT tok FROM " + kv.table + " WHERE k = '"
                        + other + "'")};
            });

            assertThat(seen[0]).as("the UPDATE ran before the token was bound: no entry round trip").isZero();
            assertThat(seen[1]).as("the INSERT after it defaulted to the unit's token").isEqualTo(KeyHash.token(key));
        }
    }

    // ---- write leases (WriteFence, "Write leases"): a leased unit skips the gate, a revoked lease is refused ----

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
                String restore = minimumEpochRestore(cutover);
                try {
                    // what a cutover does: the lease key, then the gate
                    assertThat(WriteFence.revokeLeases(cutover, Duration.ofSeconds(10), Duration.ZERO)).isTrue();
                    await("the leased session ends").atMost(Duration.ofSeconds(10))
                            .until(() -> queryInt(cutover, "SELECT count(*) FROM pg_stat_activity WHERE pid = "
                                    + leasedPid) == 0);
                    st.execute("SELECT pg_advisory_lock(" + WriteFence.LOCK_KEY + ")");
                    WriteFence.raiseMinimumEpoch(cutover, router.metrics().epoch() + 1);
                    st.execute("SELECT pg_advisory_unlock(" + WriteFence.LOCK_KEY + ")");
                    WriteFence.releaseRevoked(cutover);

                    // the catalog publishes nothing newer: the router stays at its epoch, as one that missed it
                    assertRefused(router, key);
                } finally {
                    st.execute(restore);
                }
                assertThat(queryInt(cutover, "SELECT v FROM " + kv.table + " WHERE k = '" + key + "'"))
                        .as("the refused unit's value").isEqualTo(1);
            }
            router.write(key, kv.put(key, 3));                    // a fresh connection passes the gate again
            assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(3L);
        }
    }

    @Test
    void aRevocationWaitingForALeaseHoldsNoWriterAndLetsNoOtherLeaseBeTaken() throws Exception {
        String key = "lease-waited";
        try (ShardRouter other = router(true); ShardRouter plain = router(false)) {
            EmbeddedServer primary = cluster.shard(other.shardOf(key)).primary();
            ShardRouter holder = router(true);
            holder.write(key, kv.put(key, 1));                     // its one connection holds a lease, idle
            try (Connection cutover = primary.connect()) {
                java.util.concurrent.CompletableFuture<Boolean> revoked = java.util.concurrent.CompletableFuture
                        .supplyAsync(() -> {
                            try {   // an hour's grace: the holder is no straggler, the revocation waits for it
                                return WriteFence.revokeLeases(cutover, Duration.ofSeconds(60), Duration.ofHours(1));
                            } catch (SQLException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                try (Connection observer = primary.connect()) {
                    await("the revocation waits for the lease key").atMost(Duration.ofSeconds(10))
                            .until(() -> queryInt(observer, "SELECT count(*) FROM pg_locks WHERE locktype ="
                                    + " 'advisory' AND NOT granted AND objid = '" + (WriteFence.LEASE_KEY & 0xffffffffL)
                                    + "'::oid") == 1);
                }
                holder.write(key, kv.put(key, 2));                 // its leased unit is not held either
                plain.write(key, kv.put(key, 3));                  // nor is a unit passing the gate
                other.write(key, kv.put(key, 4));                  // passes the gate, and may not take a lease
                int[] next = other.write(key, c -> {
                    kv.put(key, 5).apply(c);
                    return locksHeld(c);
                });
                assertThat(next).as("gate, lease locks of the next unit: still no lease").containsExactly(1, 0);
                assertThat(revoked).as("still waiting for the holder's lease").isNotDone();

                holder.close();                                    // its router lets go: the revocation has the key
                holder = null;
                assertThat(revoked.get(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                WriteFence.releaseRevoked(cutover);
            } finally {
                if (holder != null) {
                    holder.close();
                }
            }
            assertThat(plain.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(5L);
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

    /** The statement that puts the shard's minimum epoch back as it is now (the cluster is shared). */
    private static String minimumEpochRestore(Connection admin) throws SQLException {
        String[] v = queryText(admin, "SELECT last_value || ',' || is_called FROM ringroute.min_epoch").split(",");
        return "SELECT setval('ringroute.min_epoch', " + v[0] + ", " + v[1] + ")";
    }

    /** A write of the key is refused by its shard's fence (after the router waited for a newer epoch in vain). */
    private void assertRefused(ShardRouter router, String key) {
        assertThatThrownBy(() -> router.write(key, kv.put(key, 2))).isInstanceOfSatisfying(
                ShardUnavailableException.class,
                e -> assertThat(e.getMessage()).contains(router.shardOf(key), "refuses writes"));
    }

    private ShardRouter fencedRouter() {
        return ShardRouter.builder().topology(OnePerPool.topology(cluster)).catalog(catalog).build();
    }

    /** The state of the server session {@code pid}, seen from another connection: "idle" outside a transaction. */
    private static String stateOf(EmbeddedServer primary, int pid) throws SQLException {
        try (Connection observer = primary.connect()) {
            return queryText(observer, "SELECT state FROM pg_stat_activity WHERE pid = " + pid);
        }
    }
}
