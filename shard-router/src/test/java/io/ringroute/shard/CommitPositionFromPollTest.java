package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A session write does not read its commit position; against a real primary with a streaming standby: the
 * session reads the shard from the primary until a poll of the primary that started after the commit, takes that
 * poll's LSN (at or past the commit) as its position, stays on the primary if the primary restarted in between,
 * and reads the position exactly when its token is exported. A router polling once an hour makes "no poll since
 * the write" a fact; one polling every 20 ms resolves writes within the test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommitPositionFromPollTest {

    private static final String SHARD = "lazy";

    private EmbeddedShardCluster cluster;
    private EmbeddedServer primary;
    private EmbeddedServer standby;
    private final Kv kv = new Kv("kv_lazy");

    @BeforeAll
    void start() throws Exception {
        cluster = EmbeddedShardCluster.builder().shardNames(SHARD).replicasPerShard(1).start();
        primary = cluster.shard(SHARD).primary();
        standby = cluster.shard(SHARD).replica(0);
        kv.create(cluster);
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    @Test
    void aSessionReadAfterAWriteGoesToThePrimaryWhileNoPollOfThePrimaryHasStartedSince() throws Exception {
        try (ShardRouter router = pollingHourly()) {
            String key = "unpolled";
            Session session = router.session();
            session.write(key, kv.put(key, 1));
            awaitStandbyReplayed(insertLsn());
            assertThat(router.serverFor(key, Consistency.EVENTUAL, null)).as("the standby is in rotation")
                    .isEqualTo(SHARD + "/replica0");
            long primaryReads = primary(router).reads();
            long replicaReads = replica(router).reads();

            assertThat(session.routingToken().isUncertain(SHARD)).as("the position is not known yet").isTrue();
            assertThat(router.serverFor(key, Consistency.SESSION, session)).isEqualTo(SHARD + "/primary");
            assertThat(session.read(key, Consistency.SESSION, kv.get(key))).isEqualTo(1);
            assertThat(primary(router).reads()).isEqualTo(primaryReads + 1);
            assertThat(replica(router).reads()).isEqualTo(replicaReads);
        }
    }

    @Test
    void aPollOfThePrimaryAfterTheCommitGivesTheSessionAPositionAtOrPastItAndTheReplicaServesItOnceReplayed()
            throws Exception {
        try (ShardRouter router = pollingOften()) {
            String key = "polled";
            Session session = router.session();
            session.write(key, kv.put(key, 2));
            long afterCommit = insertLsn();

            await().atMost(Duration.ofSeconds(20)).until(() -> !session.routingToken().isUncertain(SHARD));
            long position = session.routingToken().lsn(SHARD).orElseThrow();
            assertThat(Long.compareUnsigned(position, afterCommit)).as("the resolved position against the primary's"
                    + " insert LSN read after the commit").isNotNegative();
            awaitStandbyReplayed(position);
            awaitPolls(router, replica(router));
            long replicaReads = replica(router).reads();

            assertThat(router.serverFor(key, Consistency.SESSION, session)).isEqualTo(SHARD + "/replica0");
            assertThat(session.read(key, Consistency.SESSION, kv.get(key))).isEqualTo(2);
            assertThat(replica(router).reads()).isEqualTo(replicaReads + 1);
        }
    }

    @Test
    void aPrimaryRestartBetweenTheWriteAndThePollKeepsTheSessionsReadsOnThePrimaryUntilTheTokenIsExported()
            throws Exception {
        try (ShardRouter router = pollingOften()) {
            String key = "restarted";
            Session session = router.session();
            session.write(key, kv.put(key, 3));

            Faults.crashAndRestart(cluster, primary);
            awaitPolls(router, primary(router));
            await().atMost(Duration.ofSeconds(30)).until(() -> primary(router).healthy());
            awaitStandbyReplayed(insertLsn());
            awaitPolls(router, replica(router));
            await().atMost(Duration.ofSeconds(30)).until(() -> replica(router).healthy());
            assertThat(router.serverFor(key, Consistency.EVENTUAL, null)).as("the standby is in rotation")
                    .isEqualTo(SHARD + "/replica0");

            assertThat(session.routingToken().isUncertain(SHARD)).as("a sample of another incarnation").isTrue();
            assertThat(router.serverFor(key, Consistency.SESSION, session)).isEqualTo(SHARD + "/primary");

            ConsistencyToken exported = session.token();
            assertThat(exported.isUncertain(SHARD)).as("export reads the position exactly").isFalse();
            assertThat(exported.lsn(SHARD)).isPresent();
        }
    }

    @Test
    void aTokenExportedBeforeAnyPollCarriesTheWriteToAnotherRouter() throws Exception {
        try (ShardRouter writer = pollingHourly(); ShardRouter reader = pollingOften()) {
            String key = "exported";
            Session session = writer.session();
            ConsistencyToken exported;
            Session continued;
            standby.pauseReplay();
            try {
                long inTransaction = session.write(key, c -> {
                    kv.put(key, 4).apply(c);
                    return insertLsn(c);
                });
                exported = session.token();
                assertThat(exported.isUncertain(SHARD)).isFalse();
                assertThat(Long.compareUnsigned(exported.lsn(SHARD).orElseThrow(), inTransaction))
                        .as("past the unit's statements: the commit record is after them").isPositive();
                continued = reader.session(exported.toString());
                assertThat(Long.compareUnsigned(standby.replayLsn(), exported.lsn(SHARD).orElseThrow()))
                        .isNegative();
                assertThat(reader.serverFor(key, Consistency.SESSION, continued)).isEqualTo(SHARD + "/primary");
                assertThat(continued.read(key, Consistency.SESSION, kv.get(key))).isEqualTo(4);
            } finally {
                standby.resumeReplay();
            }
            awaitStandbyReplayed(exported.lsn(SHARD).orElseThrow());
            awaitPolls(reader, replica(reader));

            assertThat(reader.serverFor(key, Consistency.SESSION, continued)).isEqualTo(SHARD + "/replica0");
            assertThat(continued.read(key, Consistency.SESSION, kv.get(key))).isEqualTo(4);
        }
    }

    @Test
    void withASessionWaitAReadAfterAWriteWaitsForThePollAndThenTheReplicaInsteadOfUsingThePrimary() throws Exception {
        try (ShardRouter router = ShardRouter.builder().topology(cluster.topology())
                .replicaPollInterval(Duration.ofMillis(20)).sessionWait(Duration.ofMinutes(1)).build()) {
            String key = "waited";
            Session session = router.session();
            CompletableFuture<Long> read;
            long primaryReads;
            long replicaReads;
            standby.pauseReplay();
            try {
                session.write(key, kv.put(key, 5));
                primaryReads = primary(router).reads();
                replicaReads = replica(router).reads();
                read = CompletableFuture.supplyAsync(() -> {
                    try {
                        return session.read(key, Consistency.SESSION, kv.get(key));
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                await().atMost(Duration.ofSeconds(20)).until(() -> !session.routingToken().isUncertain(SHARD));
                assertThat(read).as("the read waits for the paused standby").isNotDone();
            } finally {
                standby.resumeReplay();
            }

            assertThat(read.get()).isEqualTo(5);
            assertThat(replica(router).reads()).isEqualTo(replicaReads + 1);
            assertThat(primary(router).reads()).isEqualTo(primaryReads);
        }
    }

    @Test
    void aSessionThatReadsThePositionOnTheCommitKnowsItWithoutAPoll() throws Exception {
        try (ShardRouter router = pollingHourly()) {
            String key = "on-commit";
            Session session = router.session().positionOnCommit();
            long beforeWrite = insertLsn();
            session.write(key, kv.put(key, 6));
            long afterWrite = insertLsn();

            assertThat(session.routingToken().isUncertain(SHARD)).as("known with no poll since the write").isFalse();
            long position = session.routingToken().lsn(SHARD).orElseThrow();
            assertThat(Long.compareUnsigned(position, beforeWrite)).as("past the insert LSN before the write")
                    .isPositive();
            assertThat(Long.compareUnsigned(position, afterWrite)).as("read right after the commit").isNotPositive();
            assertThat(session.token().lsn(SHARD)).hasValue(position);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private ShardRouter pollingHourly() {
        return ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofHours(1)).build();
    }

    private ShardRouter pollingOften() {
        return ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(20)).build();
    }

    private long insertLsn() throws SQLException {
        try (Connection c = primary.connect()) {
            return insertLsn(c);
        }
    }

    private static long insertLsn(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void awaitStandbyReplayed(long lsn) {
        await().atMost(Duration.ofSeconds(30)).until(() -> Long.compareUnsigned(standby.replayLsn(), lsn) >= 0);
    }

    /** Waits for two more finished polls of the server: the second started after this call. */
    private static void awaitPolls(ShardRouter router, ServerMetrics server) {
        long polls = server.polls();
        await().atMost(Duration.ofSeconds(30)).until(() -> router.metrics().servers().stream()
                .filter(s -> s.server().equals(server.server())).findFirst().orElseThrow().polls() >= polls + 2);
    }

    private static ServerMetrics primary(ShardRouter router) {
        return router.metrics().primary(SHARD).orElseThrow();
    }

    private static ServerMetrics replica(ShardRouter router) {
        return router.metrics().replicas(SHARD).get(0);
    }
}
