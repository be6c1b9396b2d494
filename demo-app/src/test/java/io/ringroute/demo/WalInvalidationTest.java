package io.ringroute.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringroute.cache.CacheCluster;
import io.ringroute.demo.social.Schema;
import io.ringroute.shard.config.ServerSpec;
import io.ringroute.shard.config.ShardSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The demo's WAL-driven cache invalidation: rows changed by anyone, even outside the app, leave the cache. */
@ExtendWith(DemoStack.class)
class WalInvalidationTest {
    private static final String SLOT = "ringroute_invalidator";
    private static final String SLOTS = "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'";

    /** Waits until every shard's invalidator has confirmed everything its primary committed so far. */
    static void awaitInvalidated() {
        for (ShardSpec shard : DemoStack.app().servers().topology().shards()) {
            long committed = query(shard.primary(), "SELECT pg_current_wal_lsn() - '0/0'");
            await().atMost(Duration.ofSeconds(60)).until(() -> query(shard.primary(),
                    "SELECT coalesce(max(confirmed_flush_lsn - '0/0'), 0) FROM pg_replication_slots"
                            + " WHERE slot_name = '" + SLOT + "'") >= committed);
        }
    }

    private static long query(ServerSpec server, String sql) {
        try (Connection c = DriverManager.getConnection(server.url(), server.user(), server.password());
                Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Test
    void aProfileChangedInPostgresOutsideTheAppIsNotServedFromTheCacheAfterwards() throws SQLException {
        Http http = Http.anonymous();
        String id = "w" + System.nanoTime() % 1_000_000;
        assertThat(http.post("/api/users", Http.json(Map.of("id", id, "name", "Before"))).status()).isEqualTo(201);
        awaitInvalidated(); // the insert's own invalidation is done
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions() // a 404 while the lagging replica lacks the row
                .until(() -> "Before".equals(http.get("/api/users/" + id).body().get("name").asText()));
        assertThat(DemoStack.app().cache().get("profile:" + id)).as("cached by the read").isNotNull();

        int updated = 0;
        for (ShardSpec shard : DemoStack.app().servers().topology().shards()) { // the row is on one of them
            ServerSpec p = shard.primary();
            try (Connection c = DriverManager.getConnection(p.url(), p.user(), p.password());
                    PreparedStatement ps = c.prepareStatement(
                            "UPDATE users SET name = 'After', version = version + 1 WHERE id = ?")) {
                ps.setString(1, id);
                updated += ps.executeUpdate();
            }
        }
        assertThat(updated).isEqualTo(1);

        // Well inside the profile TTL (10 minutes): only an invalidation removes the cached "Before".
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> "After".equals(http.get("/api/users/" + id).body().get("name").asText()));
    }

    @Test
    void aNewShardIsFollowedOnlyOnceItsTablesExistAndRequireFollowingWaitsUntilThen() throws SQLException {
        EmbeddedServers servers = DemoStack.app().servers();
        EmbeddedServer fresh = servers.shards().startStandalone("late-shard");
        ShardTopology withIt = ShardTopology.builder().shard(ShardSpec.builder("late").primary(fresh.spec()).build())
                .build();
        CacheCluster.Builder<byte[]> nodes = CacheCluster.builder();
        servers.cacheNodeAddresses().forEach(nodes::node);
        try (CacheCluster<byte[]> cache = nodes.build();
                WalInvalidation invalidation = WalInvalidation.start(cache, servers.catalog().server(), () -> withIt)) {
            assertThatThrownBy(() -> invalidation.requireFollowing("late", Duration.ofSeconds(2)))
                    .as("no tables yet: no publication, so no slot").isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("shard late is not streaming");
            assertThat(query(fresh.spec(), SLOTS)).isZero();
            assertThatThrownBy(() -> invalidation.requireFollowing("nowhere", Duration.ofMillis(200)))
                    .hasMessageContaining("nowhere").hasMessageContaining("not listed");

            try (Connection c = fresh.connect()) {
                Schema.apply(c);
            }
            invalidation.requireFollowing("late", Duration.ofSeconds(60));
            assertThat(query(fresh.spec(), SLOTS)).as("the slot exists before anything is written there").isOne();
        }
    }
}
