package io.ringroute.shard.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EmbeddedShardClusterTest {

    @Test
    void standbysStreamFromTheirPrimaryAndStopAndStartAgain() throws Exception {
        try (EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shards(1).replicasPerShard(1).start()) {
            assertThat(cluster.hasShutdownHook()).as("installed by default").isTrue();
            EmbeddedShard shard = cluster.shard("shard-0");
            try (Connection c = shard.primary().connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (x int)");
                st.execute("INSERT INTO t VALUES (1)");
            }
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> count(shard.replica(0)) == 1);

            shard.replica(0).stop();
            assertThat(shard.replica(0).isRunning()).isFalse();
            try (Connection c = shard.primary().connect(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO t VALUES (2)");
            }
            shard.replica(0).start();
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> count(shard.replica(0)) == 2);
            assertThat(cluster.topology().shardNames()).containsExactly("shard-0");
        }
    }

    @Test
    void withoutItsShutdownHookTheClusterIsStillDeletedByCloseWhichCanRunTwice() {
        EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shards(1).replicasPerShard(0)
                .shutdownHook(false).start();
        assertThat(cluster.hasShutdownHook()).isFalse();
        assertThat(cluster.root()).isDirectory();
        cluster.close();
        cluster.close();
        assertThat(cluster.root()).doesNotExist();
    }

    private static int count(EmbeddedServer server) throws Exception {
        try (Connection c = server.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
