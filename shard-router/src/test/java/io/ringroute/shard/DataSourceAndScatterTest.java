package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Plain JDBC code through the routing DataSource, and queries over every shard. Every way JDBC offers back to "the
 * connection" from inside a write scope (a statement, a result set's statement, the database metadata and its result
 * sets, a cursor out parameter) leads to the scope's connection, so JDBC helpers that commit or close through it still
 * end the write unit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataSourceAndScatterTest {

    private final EmbeddedShardCluster cluster = SharedCluster.get();
    private final Kv kv = new Kv("kv_facade");
    private ShardRouter router;

    @BeforeAll
    void start() throws Exception {
        kv.create(cluster);
        router = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(20)).build();
    }

    @AfterAll
    void stop() {
        router.close();
    }

    @Test
    void jdbcCodeInASessionScopeWritesToTheKeysPrimaryAndReadsItsOwnWrite() throws Exception {
        DataSource ds = router.dataSource();
        Session session = router.session();
        String key = "facade-1";
        try (ShardScope scope = session.writeScope(key); Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO kv_facade (k, v) VALUES (?, 5)")) {
                ps.setString(1, key);
                ps.executeUpdate();
            }
            c.commit();
        }
        assertThat(session.token().lsn(router.shardOf(key))).isPresent();
        try (ShardScope scope = session.readScope(key, Consistency.SESSION); Connection c = ds.getConnection();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT v, tok FROM kv_facade WHERE k = 'facade-1'")) {
            assertThat(rs.next()).as("the session sees its own insert").isTrue();
            assertThat(rs.getLong(1)).isEqualTo(5);
            assertThat(rs.getLong(2)).isEqualTo(io.ringroute.ring.KeyHash.token(key));
        }
        assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(5);
    }

    @Test
    void uncommittedWorkInAWriteScopeIsRolledBackWhenTheConnectionCloses() throws Exception {
        String key = "facade-uncommitted";
        try (ShardScope scope = router.writeScope(key); Connection c = router.dataSource().getConnection()) {
            c.setAutoCommit(false);
            kv.put(key, 1).apply(c);
        }
        assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(-1);
    }

    @Test
    void aWriteScopeStatementHandsOutTheScopeConnectionSoClosingThroughItStillEndsTheWriteUnit() throws Exception {
        Session session = router.session();
        String key = "facade-escape";
        try (ShardScope scope = session.writeScope(key); Connection c = router.dataSource().getConnection()) {
            try (Statement st = c.createStatement(); CallableStatement call = c.prepareCall("SELECT 1")) {
                assertThat(st.getConnection()).isSameAs(c);
                assertThat(call.getConnection()).isSameAs(c);
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO kv_facade (k, v) VALUES (?, 7)")) {
                ps.setString(1, key);
                ps.executeUpdate();
                assertThat(ps.getConnection()).isSameAs(c);
                ps.getConnection().commit();
                ps.getConnection().close();     // what JDBC helpers do: it must end the unit, not skip it
            }
            assertThat(c.isClosed()).isTrue();
        }
        assertThat(session.token().lsn(router.shardOf(key))).as("the unit recorded its commit position").isPresent();
        assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(7);
    }

    @Test
    void aResultSetsStatementIsTheScopeStatementSoCommittingAndClosingThroughItEndsTheWriteUnit() throws Exception {
        Session session = router.session();
        String key = "escape-result-set";
        try (ShardScope scope = session.writeScope(key); Connection c = router.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                assertThat(rs.getStatement()).isSameAs(st);
                assertThat(st.execute("SELECT 2")).isTrue();
                ResultSet again = st.getResultSet();
                assertThat(again.getStatement()).isSameAs(st);
                assertThat(st.getResultSet()).as("the same result, the same wrapper").isSameAs(again);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO kv_facade (k, v) VALUES (?, 3)",
                    Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, key);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    assertThat(keys.getStatement()).isSameAs(ps);
                }
                try (PreparedStatement query = c.prepareStatement("SELECT v FROM kv_facade WHERE k = ?")) {
                    query.setString(1, key);
                    ResultSet rs = query.executeQuery();
                    assertThat(rs.getStatement().getConnection()).isSameAs(c);
                    rs.getStatement().getConnection().commit();
                    rs.getStatement().getConnection().close();   // what JDBC helpers do: it must end the unit
                }
            }
            assertThat(c.isClosed()).isTrue();
        }
        assertThat(session.token().lsn(router.shardOf(key))).as("the unit recorded its commit position").isPresent();
        assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(3);
    }

    @Test
    void theMetaDataAndItsResultSetsLeadBackToTheScopeConnectionSoClosingThroughThemRollsBack() throws Exception {
        String key = "escape-metadata";
        try (ShardScope scope = router.writeScope(key); Connection c = router.dataSource().getConnection()) {
            c.setAutoCommit(false);
            kv.put(key, 4).apply(c);
            DatabaseMetaData metaData = c.getMetaData();
            assertThat(metaData.getConnection()).isSameAs(c);
            try (ResultSet tables = metaData.getTables(null, null, "kv_facade", null)) {
                assertThat(tables.next()).as("the metadata is the shard's").isTrue();
                assertThat(tables.getStatement().getConnection()).isSameAs(c);
                tables.getStatement().getConnection().close();   // uncommitted: the unit must roll it back
            }
            assertThat(c.isClosed()).isTrue();
        }
        assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(-1);
    }

    @Test
    void aCursorOutParameterIsAResultSetOfItsCallableStatement() throws Exception {
        String key = "escape-cursor";
        try (ShardScope scope = router.writeScope(key); Connection c = router.dataSource().getConnection()) {
            c.setAutoCommit(false);                  // a cursor lives in a transaction; closing rolls all of it back
            try (Statement st = c.createStatement()) {
                st.execute("CREATE FUNCTION escape_cursor() RETURNS refcursor LANGUAGE plpgsql AS"
                        + " $$ DECLARE cur refcursor; BEGIN OPEN cur FOR SELECT 5; RETURN cur; END $$");
            }
            try (CallableStatement call = c.prepareCall("{? = call escape_cursor()}")) {
                call.registerOutParameter(1, Types.REF_CURSOR);
                call.execute();
                try (ResultSet cursor = call.getObject(1, ResultSet.class)) {
                    assertThat(cursor.next()).isTrue();
                    assertThat(cursor.getInt(1)).isEqualTo(5);
                    assertThat(cursor.getStatement()).isSameAs(call);
                }
                assertThat(((ResultSet) call.getObject(1)).getStatement().getConnection()).isSameAs(c);
            }
        }
    }

    @Test
    void getConnectionWithoutAScopeSaysWhatIsMissing() {
        assertThatThrownBy(() -> router.dataSource().getConnection())
                .isInstanceOf(SQLException.class).hasMessageContaining("no shard key is bound to this thread");
        assertThatThrownBy(() -> router.readScope("k", Consistency.SESSION))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SESSION reads need a Session");
    }

    @Test
    void scatterGatherMergesTheResultOfEveryShard() throws Exception {
        for (int i = 0; i < 100; i++) {
            router.write("sg-" + i, kv.put("sg-" + i, 1));
        }
        long total = router.scatterGather(Consistency.STRONG, Duration.ofSeconds(10), c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM kv_facade WHERE k LIKE 'sg-%'")) {
                rs.next();
                return rs.getLong(1);
            }
        }, Collectors.summingLong(Long::longValue));
        assertThat(total).isEqualTo(100);
    }

    @Test
    void scatterGatherGivesUpAtItsTimeoutNamingTheSlowShard() throws SQLException {
        assertThatThrownBy(() -> router.scatterGather(Consistency.STRONG, Duration.ofSeconds(2), c -> {
            try (Statement st = c.createStatement()) {
                if (c.getMetaData().getURL().contains(":" + cluster.shard("shard-1").primary().port() + "/")) {
                    st.execute("SELECT pg_sleep(30)");
                }
                return 1;
            }
        }, Collectors.toList()))
                .isInstanceOfSatisfying(ScatterTimeoutException.class,
                        e -> assertThat(e.shards()).containsExactly("shard-1"));
        assertThat(sleepers()).as("the slow shard's query still runs: the call did not wait for it").isOne();
        endSleepers();
    }

    private long sleepers() throws SQLException {
        try (Connection c = cluster.shard("shard-1").primary().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                     + " AND query = 'SELECT pg_sleep(30)'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The server does not notice the client gave up until the sleep ends: end it, so it holds nothing. */
    private void endSleepers() throws SQLException {
        try (Connection c = cluster.shard("shard-1").primary().connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'");
        }
    }
}
