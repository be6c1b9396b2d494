package io.ringroute.shard;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A write unit ends in one round trip (COMMIT, then the commit position, the fence release and the token reset):
 * the position a session records must be read after the commit record, and a COMMIT that fails must leave the
 * pooled connection as borrowed (no fence lock, no token) and mark nothing. Every primary pool holds one
 * connection, so the next unit gets the same connection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WriteUnitEndTest {

    private static final String TABLE = "kv_unit_end";

    private final EmbeddedShardCluster cluster = SharedCluster.get();
    private ShardTopology onePerPool;
    private EmbeddedServer catalogServer;

    @BeforeAll
    void start() throws SQLException {
        for (EmbeddedShard s : cluster.shards()) {
            try (Connection c = s.primary().connect(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS " + TABLE);
                // Deferred: a duplicate is refused by the COMMIT, not by the INSERT.
                st.execute("CREATE TABLE " + TABLE + " (k text NOT NULL, ring_token bigint"
                        + " DEFAULT NULLIF(current_setting('ringroute.token', true), '')::bigint,"
                        + " UNIQUE (k) DEFERRABLE INITIALLY DEFERRED)");
            }
        }
        onePerPool = OnePerPool.topology(cluster);
        catalogServer = cluster.startStandalone("unit-end-catalog");
    }

    @AfterAll
    void stop() {
        catalogServer.close();
    }

    @Test
    void theSessionsPositionIsPastTheCommitRecordNotTheUnitsLastStatement() throws Exception {
        try (ShardRouter router = fenced()) {
            Session session = router.session();
            String key = "position-1";
            long inTransaction = session.write(key, c -> {
                insert(c, key);
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                        "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            // The commit record comes after everything the unit's statements wrote.
            assertThat(session.token().lsn(router.shardOf(key)).orElseThrow()).isGreaterThan(inTransaction);
            assertThat(session.token().isUncertain(router.shardOf(key))).isFalse();
        }
    }

    @Test
    void aCommitThatFailsMarksNothingAndLeavesNoFenceLockOrTokenOnThePooledConnection() throws Exception {
        try (ShardRouter router = fenced()) {
            Session session = router.session();
            String key = "duplicate-1";
            String shard = router.shardOf(key);
            assertThatThrownBy(() -> session.write(key, c -> {
                insert(c, key);
                return insert(c, key);
            })).isInstanceOf(SQLException.class).extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("23505");

            assertThat(session.token().lsn(shard)).isEmpty();
            assertThat(session.token().isUncertain(shard)).isFalse();
            String left = router.read(key, Consistency.STRONG, c -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT (SELECT count(*)"
                        + " FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory') || ' locks, token '"
                        + " || coalesce(nullif(current_setting('ringroute.token', true), ''), 'none')")) {
                    rs.next();
                    return rs.getString(1);
                }
            });
            assertThat(left).isEqualTo("0 locks, token none");
            assertThat(count(shard, key)).isZero();
        }
    }

    @Test
    void aWriteWithoutASessionCommitsAndReleasesTheConnection() throws Exception {
        try (ShardRouter router = ShardRouter.builder().topology(onePerPool).build()) {
            String key = "plain-1";
            router.write(key, c -> insert(c, key));
            String token = router.read(key, Consistency.STRONG, c -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                        "SELECT coalesce(nullif(current_setting('ringroute.token', true), ''), 'none')")) {
                    rs.next();
                    return rs.getString(1);
                }
            });
            assertThat(token).isEqualTo("none");
            assertThat(count(router.shardOf(key), key)).isEqualTo(1);
        }
    }

    private ShardRouter fenced() {
        CatalogSpec catalog = new CatalogSpec(catalogServer.spec(), "rr_unit_end", Duration.ofMillis(200));
        return ShardRouter.builder().topology(onePerPool).catalog(catalog).build();
    }

    private static int insert(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (k) VALUES (?)")) {
            ps.setString(1, key);
            return ps.executeUpdate();
        }
    }

    private long count(String shard, String key) throws SQLException {
        try (Connection c = cluster.shard(shard).primary().connect();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + TABLE + " WHERE k = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
