package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Write units whose commit may have happened although its position was never read: the connection broke after
 * an autocommit statement, or commit() failed with a connection error after the server committed. Until the
 * session's next known position there, its reads of that shard must go to the primary.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UncertainCommitTest {

    /** Long enough that the standby still lacks the uncertain commit when the test reads it back. */
    private static final Duration APPLY_DELAY = Duration.ofSeconds(3);

    private EmbeddedShardCluster cluster;
    private EmbeddedServer primary;
    private final Kv kv = new Kv("kv_uncertain");
    private ShardRouter router;
    private final ExecutorService timeouts = Executors.newSingleThreadExecutor();

    @BeforeAll
    void start() throws Exception {
        cluster = EmbeddedShardCluster.builder().shardNames("uncertain").replicasPerShard(1)
                .replicaApplyDelay(APPLY_DELAY).start();
        primary = cluster.shard("uncertain").primary();
        kv.create(cluster);
        router = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(20)).build();
    }

    @AfterAll
    void stop() {
        router.close();
        cluster.close();
        timeouts.shutdownNow();
    }

    @Test
    void anAutocommitWriteWhoseConnectionBreaksBeforeTheScopeClosesSendsSessionReadsToThePrimary() throws Exception {
        String key = "broken-scope";
        Session session = sessionWhoseReplicaHas(key, 1);
        writeThroughAScopeWhoseConnectionThenBreaks(session, key, 2);
        assertThat(session.token().isUncertain("uncertain")).isTrue();
        assertThat(staleReads(session, key, 2)).as("stale SESSION reads").isZero();
    }

    @Test
    void aPositionReadBeforeAnotherThreadsUncertainCommitDoesNotEndTheUncertainty() throws Exception {
        String key = "two-threads";
        Session session = sessionWhoseReplicaHas(key, 1);
        // Thread B reads its commit position, as the router does after a commit (ticket first) ...
        long ticket = session.positionTicket();
        long positionB;
        ServerIdentity identityB;
        try (Connection c = primary.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint,"
                     + " (SELECT timeline_id FROM pg_control_checkpoint()),"
                     + " (SELECT system_identifier FROM pg_control_system())")) {
            rs.next();
            positionB = rs.getLong(1);
            identityB = new ServerIdentity(rs.getLong(3), rs.getInt(2));
        }
        // ... thread A's unit commits later and its connection breaks before its position is read ...
        writeThroughAScopeWhoseConnectionThenBreaks(session, key, 2);
        // ... and only then does B record the position it read before A's commit.
        session.recordWrite(ticket, "uncertain", identityB, positionB, 0);

        assertThat(session.token().isUncertain("uncertain")).isTrue();
        assertThat(staleReads(session, key, 2)).as("stale SESSION reads").isZero();
        session.write(key, kv.put(key, 3));
        assertThat(session.token().isUncertain("uncertain")).as("a position read later ends it").isFalse();
    }

    /** An autocommit UPDATE through a write scope, after which the server ends the connection. */
    private void writeThroughAScopeWhoseConnectionThenBreaks(Session session, String key, long value)
            throws SQLException {
        try (ShardScope scope = session.writeScope(key)) {
            Connection c = router.dataSource().getConnection();
            kv.put(key, value).apply(c);                               // autocommit: committed
            assertThatThrownBy(() -> {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT pg_terminate_backend(pg_backend_pid())");   // the connection breaks
                }
            }).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> kv.get(key).apply(c)).isInstanceOf(SQLException.class);
            closeQuietly(c);
        }
    }

    @Test
    void aScopeCommitThatFailsWithAConnectionErrorAfterTheServerCommittedSendsSessionReadsToThePrimary()
            throws Exception {
        String key = "failed-scope-commit";
        Session session = sessionWhoseReplicaHas(key, 1);
        try (ShardScope scope = session.writeScope(key)) {
            Connection c = router.dataSource().getConnection();
            c.setAutoCommit(false);
            kv.put(key, 2).apply(c);
            try (var held = holdCommits()) {
                awaitCommitsHeldOn(c);
                c.setNetworkTimeout(timeouts, 300);
                assertThatThrownBy(c::commit).isInstanceOf(SQLException.class);
            }
            closeQuietly(c);
        }
        awaitCommittedOnThePrimary(key, 2);
        assertThat(staleReads(session, key, 2)).as("stale SESSION reads").isZero();
    }

    @Test
    void aSessionWriteWhoseCommitFailsWithAConnectionErrorAfterTheServerCommittedSendsReadsToThePrimary()
            throws Exception {
        String key = "failed-session-commit";
        Session session = sessionWhoseReplicaHas(key, 1);
        try (var held = holdCommits()) {
            assertThatThrownBy(() -> session.write(key, c -> {
                kv.put(key, 2).apply(c);
                awaitCommitsHeldOn(c);
                c.setNetworkTimeout(timeouts, 300);        // the commit will wait longer: the client gives up
                return 1;
            })).isInstanceOf(ShardUnavailableException.class);
        }
        awaitCommittedOnThePrimary(key, 2);
        assertThat(staleReads(session, key, 2)).as("stale SESSION reads").isZero();
    }

    /** A session that wrote {@code value} to the key, once the standby has replayed it (its reads use the standby). */
    private Session sessionWhoseReplicaHas(String key, long value) throws SQLException {
        Session session = router.session();
        session.write(key, kv.put(key, value));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> router.serverFor(key, Consistency.SESSION, session).equals("uncertain/replica0"));
        return session;
    }

    /**
     * Commits wait for a synchronous standby that does not exist (the commit record is written, but the client
     * gets no answer) until the result is closed; then they all complete.
     */
    private AutoCloseable holdCommits() throws SQLException {
        setSynchronousStandbys("'nobody'");
        return () -> setSynchronousStandbys("''");
    }

    /** pg_reload_conf() only signals the backends: wait until the one behind {@code c} has read the new setting. */
    private static void awaitCommitsHeldOn(Connection c) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW synchronous_standby_names")) {
                rs.next();
                return rs.getString(1).equals("nobody");
            }
        });
    }

    private void setSynchronousStandbys(String names) throws SQLException {
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET synchronous_standby_names = " + names);
            st.execute("SELECT pg_reload_conf()");
        }
    }

    private void awaitCommittedOnThePrimary(String key, long value) {
        await().atMost(Duration.ofSeconds(20)).until(() -> router.read(key, Consistency.STRONG, kv.get(key)) == value);
    }

    private int staleReads(Session session, String key, long expected) throws SQLException {
        int stale = 0;
        for (int i = 0; i < 10; i++) {
            if (session.read(key, Consistency.SESSION, kv.get(key)) != expected) {
                stale++;
            }
        }
        return stale;
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // the connection is broken: closing it may report that too
        }
    }
}
