package io.ringroute.shard.reshard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.ring.TokenRange;
import io.ringroute.shard.WriteFence;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Change capture's DDL against application transactions on a real PostgreSQL server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChangeCaptureTest {

    private static final ShardedTable FIRST = ShardedTable.of("first_rows", "k", "k");
    private static final ShardedTable SECOND = ShardedTable.of("second_rows", "k", "k");

    private EmbeddedShardCluster cluster;

    @BeforeAll
    void start() throws SQLException {
        cluster = EmbeddedShardCluster.builder().shardNames("solo").replicasPerShard(0).start();
        try (Connection c = connect(); Statement st = c.createStatement()) {
            WriteFence.install(c);
            for (ShardedTable t : List.of(FIRST, SECOND)) {
                st.execute("CREATE TABLE " + t.name() + " (k text PRIMARY KEY, ring_token bigint)");
                t.addTokenColumn(c);
            }
        }
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    /**
     * A writer holds the second table and then writes the first while capture is being switched off. Switching
     * both off in one transaction would hold the first table while waiting for the second: a deadlock.
     */
    @Test
    void endingCaptureDoesNotDeadlockWithAWriterOfSeveralTables() throws Exception {
        List<ShardedTable> tables = List.of(FIRST, SECOND);
        try (Connection admin = connect(); Connection writer = connect(); Connection observer = connect()) {
            ChangeCapture.install(admin, tables, List.of(Segments.of(new TokenRange(Long.MIN_VALUE, 0))));
            writer.setAutoCommit(false);
            insert(writer, SECOND, "held");

            ExecutorService executor = Executors.newSingleThreadExecutor();
            try {
                Future<?> ending = executor.submit(() -> {
                    ChangeCapture.uninstall(admin, tables);
                    return null;
                });
                await().atMost(Duration.ofSeconds(30)).until(() -> waitsForLockOn(observer, SECOND));
                insert(writer, FIRST, "then");
                writer.commit();
                ending.get(30, TimeUnit.SECONDS);
            } finally {
                executor.shutdownNow();
            }
            assertThat(count(observer, FIRST) + count(observer, SECOND)).isEqualTo(2);
        }
    }

    private Connection connect() throws SQLException {
        return cluster.shard("solo").primary().connect();
    }

    private static void insert(Connection c, ShardedTable t, String key) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("INSERT INTO " + t.name() + " (k, ring_token) VALUES ('" + key + "', -5)");
        }
    }

    private static boolean waitsForLockOn(Connection c, ShardedTable t) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks"
                + " WHERE NOT granted AND relation = '" + t.name() + "'::regclass")) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

    private static long count(Connection c, ShardedTable t) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + t.name())) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
