package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Cancels a healthy standby sends: recovery conflicts (SQLSTATE 40001), sessions ended by an administrator or a
 * shutdown (57P01). A read() is retried on the primary; the poller keeps a healthy standby in rotation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecoveryConflictTest {

    private EmbeddedShardCluster cluster;
    private EmbeddedServer standby;
    private final Kv kv = new Kv("kv_conflict");
    private ShardRouter router;

    @BeforeAll
    void start() throws Exception {
        cluster = EmbeddedShardCluster.builder().shardNames("conflict").replicasPerShard(1).start();
        standby = cluster.shard("conflict").replica(0);
        kv.create(cluster);
        try (Connection c = standby.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET max_standby_streaming_delay = 0");   // cancel conflicting reads at once
            st.execute("SELECT pg_reload_conf()");
        }
        router = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(20)).build();
        router.write("conflict-1", kv.put("conflict-1", 1));
        ReadYourWritesTest.awaitReplicasCaughtUp(router);
    }

    @AfterAll
    void stop() {
        router.close();
        cluster.close();
    }

    @Test
    void aReadCanceledByARecoveryConflictIsRetriedOnThePrimaryAndTheStandbyStaysInRotation() throws Exception {
        ServerMetrics before = replica();
        CompletableFuture<Long> read = slowReplicaRead("conflict-1");
        awaitSleepingReadOnTheStandby();
        try (Connection c = cluster.shard("conflict").primary().connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("LOCK TABLE kv_conflict IN ACCESS EXCLUSIVE MODE");   // replayed: conflicts with the read
            c.commit();
        }
        assertThat(read.get(60, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(replica().healthy()).isTrue();
        assertThat(replica().ejections()).isEqualTo(before.ejections());
    }

    @Test
    void aReadOnAStandbyThatShutsDownIsRetriedOnThePrimary() throws Exception {
        CompletableFuture<Long> read = slowReplicaRead("conflict-1");
        awaitSleepingReadOnTheStandby();
        standby.stop();
        try {
            assertThat(read.get(60, TimeUnit.SECONDS)).isEqualTo(1);
        } finally {
            standby.start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> replica().healthy());
    }

    @Test
    void thePollerKeepsAStandbyWhosePollingSessionWasTerminatedInRotation() throws Exception {
        ServerMetrics before = replica();
        try (Connection c = standby.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     + " WHERE application_name = 'ringroute-poller'")) {
            rs.next();
            assertThat(rs.getInt(1)).isPositive();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> replica().polls() >= before.polls() + 5);
        assertThat(replica().ejections()).as("times the standby was taken out of rotation").isEqualTo(
                before.ejections());
    }

    /** An EVENTUAL read that sleeps while it holds a lock on the table, but only on the standby. */
    private CompletableFuture<Long> slowReplicaRead(String key) {
        assertThat(router.serverFor(key, Consistency.EVENTUAL, null)).isEqualTo("conflict/replica0");
        return CompletableFuture.supplyAsync(() -> {
            try {
                return router.read(key, Consistency.EVENTUAL, c -> {
                    try (PreparedStatement ps = c.prepareStatement("SELECT v, CASE WHEN pg_is_in_recovery()"
                            + " THEN pg_sleep(30) END FROM kv_conflict WHERE k = ?")) {
                        ps.setString(1, key);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            return rs.getLong(1);
                        }
                    }
                });
            } catch (SQLException e) {
                throw new IllegalStateException(e.getSQLState() + ": " + e.getMessage(), e);
            }
        });
    }

    private void awaitSleepingReadOnTheStandby() {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            try (Connection c = standby.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                         + " AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()")) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        });
    }

    private ServerMetrics replica() {
        return router.metrics().replicas("conflict").get(0);
    }
}
