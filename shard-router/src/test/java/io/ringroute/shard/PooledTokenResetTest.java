package io.ringroute.shard;

import io.ringroute.ring.KeyHash;
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
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The key's token the router binds to a write unit (the token column's default) must not outlive the unit on the
 * pooled connection: an insert later made on the same connection by another unit must not be stamped with it.
 * Every primary pool here holds one connection, so the next unit always gets the same connection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PooledTokenResetTest {

    private static final String TABLE = "kv_token_reset";

    private final EmbeddedShardCluster cluster = SharedCluster.get();
    private ShardTopology onePerPool;
    private EmbeddedServer catalogServer;

    @BeforeAll
    void start() throws SQLException {
        for (EmbeddedShard s : cluster.shards()) {
            try (Connection c = s.primary().connect(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS " + TABLE);
                st.execute("CREATE TABLE " + TABLE + " (k text PRIMARY KEY, ring_token bigint"
                        + " DEFAULT NULLIF(current_setting('ringroute.token', true), '')::bigint)");
            }
        }
        onePerPool = OnePerPool.topology(cluster);
        catalogServer = cluster.startStandalone("token-reset-catalog");
    }

    @AfterAll
    void stop() {
        catalogServer.close();
    }

    @Test
    void anInsertThroughAStrongReadAfterAWriteIsNotStampedWithTheWrittenKeysToken() throws Exception {
        try (ShardRouter router = ShardRouter.builder().topology(onePerPool).build()) {
            assertNoTokenLeaksFromWriteToStrongRead(router, "static");
        }
    }

    @Test
    void anInsertThroughAStrongReadAfterAFencedWriteIsNotStampedWithTheWrittenKeysToken() throws Exception {
        CatalogSpec catalog = new CatalogSpec(catalogServer.spec(), "rr_token_reset", Duration.ofMillis(200));
        try (ShardRouter router = ShardRouter.builder().topology(onePerPool).catalog(catalog).build()) {
            assertNoTokenLeaksFromWriteToStrongRead(router, "fenced");
        }
    }

    @Test
    void anInsertThroughAReadScopeAfterAnotherKeysWriteScopeIsNotStampedWithThatKeysToken() throws Exception {
        try (ShardRouter router = ShardRouter.builder().topology(onePerPool).build()) {
            String written = "scope-written";
            String other = otherKeyOnTheSameShard(router, written);
            Session session = router.session();
            DataSource ds = router.dataSource();
            try (ShardScope s = session.writeScope(written); Connection c = ds.getConnection()) {
                insert(c, written);
            }
            try (ShardScope s = session.readScope(other, Consistency.STRONG); Connection c = ds.getConnection()) {
                insert(c, other);
            }

            assertThat(tokenOf(router, written)).isEqualTo(KeyHash.token(written));
            assertThat(tokenOf(router, other)).as("no token was bound for the read scope's unit").isNull();
        }
    }

    private void assertNoTokenLeaksFromWriteToStrongRead(ShardRouter router, String tag) throws SQLException {
        String written = tag + "-written";
        String other = otherKeyOnTheSameShard(router, written);
        router.session().write(written, c -> insert(c, written));           // with a session: commit position read
        String plain = tag + "-plain";
        String plainOther = otherKeyOnTheSameShard(router, plain);
        router.write(plain, c -> insert(c, plain));                          // without: no position read

        router.read(other, Consistency.STRONG, c -> insert(c, other));
        router.read(plainOther, Consistency.STRONG, c -> insert(c, plainOther));

        assertThat(tokenOf(router, written)).isEqualTo(KeyHash.token(written));
        assertThat(tokenOf(router, plain)).isEqualTo(KeyHash.token(plain));
        assertThat(tokenOf(router, other)).as("after a session write").isNull();
        assertThat(tokenOf(router, plainOther)).as("after a plain write").isNull();
    }

    private static String otherKeyOnTheSameShard(ShardRouter router, String key) {
        for (int i = 0; ; i++) {
            String candidate = key + "-other-" + i;
            if (router.shardOf(candidate).equals(router.shardOf(key))) {
                return candidate;
            }
        }
    }

    private static int insert(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (k) VALUES (?)")) {
            ps.setString(1, key);
            return ps.executeUpdate();
        }
    }

    private static Long tokenOf(ShardRouter router, String key) throws SQLException {
        return router.read(key, Consistency.STRONG, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT ring_token FROM " + TABLE + " WHERE k = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).as("row " + key).isTrue();
                    long v = rs.getLong(1);
                    return rs.wasNull() ? null : v;
                }
            }
        });
    }
}
