package io.ringroute.shard.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded servers admit nobody without their cluster's password: not over TCP, not for replication. */
class EmbeddedClusterAuthTest {

    private static EmbeddedShardCluster cluster;
    private static EmbeddedServer primary;
    private static String password;

    @BeforeAll
    static void start() {
        cluster = EmbeddedShardCluster.builder().shardNames("auth").replicasPerShard(1).shutdownHook(false).start();
        primary = cluster.shard("auth").primary();
        password = primary.spec().password();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void theSuperuserIsRefusedOverTcpWithoutThePasswordOrWithAWrongOne() {
        assertThatThrownBy(() -> login(primary.port(), null, false).close()).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> login(primary.port(), "wrong", false).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
        assertThatThrownBy(() -> login(primary.port(), "", false).close()).isInstanceOf(SQLException.class);
    }

    @Test
    void theClusterPasswordLogsInAndEveryRuleDemandsScramWithNoUnixSocket() throws Exception {
        assertThat(password).hasSize(32);
        try (Connection c = login(primary.port(), password, false); Statement st = c.createStatement()) {
            assertThat(single(st, "SELECT count(*) FROM pg_hba_file_rules")).isEqualTo("4");
            assertThat(single(st, "SELECT count(*) FROM pg_hba_file_rules WHERE type <> 'host'"
                    + " OR auth_method <> 'scram-sha-256' OR error IS NOT NULL")).isEqualTo("0");
            assertThat(single(st, "SHOW unix_socket_directories")).isEmpty();
            assertThat(single(st, "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid"
                    + " WHERE rolname = 'postgres'")).isEqualTo("t");
        }
        try (Connection c = DriverManager.getConnection(primary.jdbcUrl(), "postgres", "")) {
            assertThat(c.isValid(5)).as("the JDBC URL carries the password").isTrue();
        }
    }

    @Test
    void replicationNeedsThePasswordAndTheStandbyStreamsWithIt() throws Exception {
        assertThatThrownBy(() -> login(primary.port(), null, true).close()).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> login(primary.port(), "wrong", true).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
        try (Connection c = login(primary.port(), password, true)) {
            assertThat(c.isValid(5)).isTrue();
        }
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            assertThat(single(st, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"))
                    .isEqualTo("1");
        }
    }

    @Test
    void eachClusterHasItsOwnPasswordAndNoServerLogShowsIt() throws Exception {
        try (EmbeddedShardCluster other = EmbeddedShardCluster.builder().shardNames("other").replicasPerShard(0)
                .shutdownHook(false).start()) {
            EmbeddedServer server = other.shard("other").primary();
            assertThat(server.spec().password()).isNotEqualTo(password);
            assertThatThrownBy(() -> login(server.port(), password, false).close())
                    .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
        }
        try (Stream<Path> files = Files.walk(cluster.root())) {
            List<Path> logs = files.filter(p -> p.getFileName().toString().endsWith(".log")).toList();
            assertThat(logs).isNotEmpty();
            for (Path log : logs) {
                assertThat(read(log)).as(log.toString()).doesNotContain(password);
            }
        }
    }

    private static Connection login(int port, String password, boolean replication) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", "5");
        if (replication) {
            p.setProperty("replication", "true");
            p.setProperty("assumeMinServerVersion", "9.4");
            p.setProperty("preferQueryMode", "simple");
        }
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String read(Path log) throws IOException {
        return new String(Files.readAllBytes(log), java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
