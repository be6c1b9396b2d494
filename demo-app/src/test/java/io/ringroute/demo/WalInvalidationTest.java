package io.ringroute.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.shard.config.ServerSpec;
import io.ringroute.shard.config.ShardSpec;
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
}
