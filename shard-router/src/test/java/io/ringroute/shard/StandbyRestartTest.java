package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

/**
 * A standby killed with SIGKILL and started again serves queries while it replays WAL it had already replayed
 * before: a replay position sampled from the old incarnation says nothing about the new one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandbyRestartTest {

    private static final Duration APPLY_DELAY = Duration.ofMillis(200);

    private EmbeddedShardCluster cluster;
    private EmbeddedServer standby;
    private static final String KEY = "restart-1";

    private final Kv kv = new Kv("kv_restart");
    private ShardRouter writer;

    @BeforeAll
    void start() throws Exception {
        cluster = EmbeddedShardCluster.builder().shardNames("restart").replicasPerShard(1)
                .replicaApplyDelay(APPLY_DELAY).start();
        standby = cluster.shard("restart").replica(0);
        kv.create(cluster);
        writer = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(20)).build();
        writer.write(KEY, kv.put(KEY, 0));
        ReadYourWritesTest.awaitReplicasCaughtUp(writer);
        // A restartpoint on the standby: a restart replays from here, so the table and the row of value 0 survive.
        try (Connection c = cluster.shard("restart").primary().connect(); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        }
        ReadYourWritesTest.awaitReplicasCaughtUp(writer);
        try (Connection c = standby.connect(); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        }
    }

    @AfterAll
    void stop() {
        writer.close();
        cluster.close();
    }

    @Test
    void sessionReadsNeverTrustAReplayPositionSampledBeforeTheStandbyRestarted() throws Exception {
        String key = KEY;
        Session session = writer.session();
        session.write(key, kv.put(key, 1));
        session.write(key, kv.put(key, 2));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> writer.serverFor(key, Consistency.SESSION, session).equals("restart/replica0"));

        // A router whose only sample of the standby was taken before the crash: the next poll is far away.
        try (ShardRouter reader = ShardRouter.builder().topology(cluster.topology())
                .replicaPollInterval(Duration.ofMinutes(10)).build()) {
            Session readerSession = reader.session(session.token().toString());
            assertThat(reader.serverFor(key, Consistency.SESSION, readerSession)).isEqualTo("restart/replica0");
            assertThat(readerSession.read(key, Consistency.SESSION, kv.get(key))).isEqualTo(2);

            // The restarted standby applies commits an hour late: it stays behind the session's write.
            setApplyDelayForNextStart("1h");
            Faults.crashAndRestart(cluster, standby);
            assertThat(directRead(key)).as("the restarted standby serves the old row").isZero();

            int stale = 0;
            for (int i = 0; i < 20; i++) {
                if (readerSession.read(key, Consistency.SESSION, kv.get(key)) != 2) {
                    stale++;
                }
            }
            assertThat(stale).as("stale SESSION reads after the standby restarted").isZero();
        } finally {
            standby.applyDelay(APPLY_DELAY);
        }
    }

    /** ALTER SYSTEM without a reload: the running standby keeps its delay, the next incarnation reads the new one. */
    private void setApplyDelayForNextStart(String delay) throws SQLException {
        try (Connection c = standby.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET recovery_min_apply_delay = '" + delay + "'");
        }
    }

    private long directRead(String key) throws SQLException {
        try (Connection c = standby.connect()) {
            return kv.get(key).apply(c);
        }
    }
}
