package io.ringroute.shard.reshard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.WriteFence;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ServerSpec;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A resharding stopped by the loss of a server says which step it was in and which server went away, and
 * {@code status} says when a shard refuses writes because a cutover was interrupted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReshardStopTest {

    private static final String A = "shard-a";
    private static final String B = "shard-b";
    private static final ShardedTable ITEMS = ShardedTable.of("items", "k", "k");

    private EmbeddedShardCluster cluster;
    private EmbeddedServer catalogServer;
    private CatalogSpec catalog;
    private Path config;

    @BeforeAll
    void start() throws Exception {
        cluster = EmbeddedShardCluster.builder().shardNames(A, B).replicasPerShard(0).vnodesPerShard(8).start();
        catalogServer = cluster.startStandalone("catalog");
        catalog = new CatalogSpec(catalogServer.spec(), "rr_stop", Duration.ofMillis(200));
        for (EmbeddedShard s : cluster.shards()) {
            try (Connection c = s.primary().connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE items (k text PRIMARY KEY, v bigint NOT NULL)");
                ITEMS.addTokenColumn(c);
            }
        }
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            cat.initialize(cluster.topology().withoutShard(B));
            cat.registerTable(ITEMS);
        }
        try (ShardRouter router = ShardRouter.builder().topology(cluster.topology()).catalog(catalog).build()) {
            for (int i = 0; i < 200; i++) {
                String key = "item-" + i;
                router.write(key, c -> {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO items (k, v) VALUES (?, 1)")) {
                        ps.setString(1, key);
                        return ps.executeUpdate();
                    }
                });
            }
        }
        config = Files.createTempFile("reshard-stop", ".properties");
        StringBuilder props = new StringBuilder("vnodesPerShard=8\n");
        for (EmbeddedShard s : cluster.shards()) {
            server(props, "shards." + s.name() + ".primary.", s.primary().spec());
        }
        server(props, "catalog.", catalog.server());
        props.append("catalog.schema=rr_stop\n");
        Files.writeString(config, props);
    }

    @AfterAll
    void stop() throws Exception {
        cluster.close();
        Files.deleteIfExists(config);
    }

    @Test
    @Order(1)
    void statusSaysWhichShardRefusesWritesAfterAnInterruptedCutover() throws Exception {
        long epoch;
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            epoch = cat.epoch();
        }
        try (Connection c = cluster.shard(A).primary().connect()) {
            WriteFence.install(c);
            WriteFence.raiseMinimumEpoch(c, epoch + 2);      // what a cutover does before its hand-overs
            StringWriter out = new StringWriter();
            int code = ReshardCommand.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true),
                    "status", "--config", config.toString());

            assertThat(code).isZero();
            assertThat(out.toString()).contains("shard 'shard-a' REFUSES WRITES: its minimum epoch " + (epoch + 2)
                    + " is above the catalog epoch " + epoch).contains("run --resume");
            try (Statement st = c.createStatement()) {
                st.execute("SELECT setval('ringroute.min_epoch', " + epoch + ")");
            }
        }
    }

    @Test
    @Order(2)
    void stoppingTheCatalogMidReshardingNamesTheCatalogAndTheStep() throws Exception {
        assertThatThrownBy(() -> resharder(catalogServer).run(weights(A, B)))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("resharding stopped while")
                .hasMessageContaining("the topology catalog at " + catalog.server().redactedUrl());
        catalogServer.start();
        assertThat(resharder(null).run(weights(A, B)).epoch()).as("resumed to the end").isPositive();
    }

    @Test
    @Order(3)
    void stoppingTheSourceMidReshardingNamesTheSourceShardAndTheStep() throws Exception {
        EmbeddedServer source = cluster.shard(B).primary();    // removing B drains it into A
        assertThatThrownBy(() -> resharder(source).run(weights(A)))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("resharding stopped while")
                .hasMessageContaining("'shard-b'")
                .hasMessageContaining("the connection to shard 'shard-b' primary");
        source.start();
        assertThat(resharder(null).run(weights(A)).epoch()).as("resumed to the end").isPositive();
    }

    /** A resharder that stops {@code victim} (if not null) once it starts moving rows. */
    private Resharder resharder(EmbeddedServer victim) {
        AtomicBoolean stopped = new AtomicBoolean();
        return Resharder.builder().catalog(catalog).shards(cluster.topology()).batchSize(20)
                .cleanupGrace(Duration.ofMillis(100)).listener(p -> {
                    if (victim != null && p.phase() == ReshardProgress.Phase.MOVING && p.rowsDone() > 0
                            && stopped.compareAndSet(false, true)) {
                        victim.stop();
                    }
                }).build();
    }

    private static void server(StringBuilder props, String prefix, ServerSpec spec) {
        props.append(prefix).append("url=").append(spec.url()).append('\n');
        props.append(prefix).append("user=").append(spec.user()).append('\n');
        if (!spec.password().isEmpty()) {
            props.append(prefix).append("password=").append(spec.password()).append('\n');
        }
    }

    private static Map<String, Double> weights(String... shards) {
        Map<String, Double> out = new TreeMap<>();
        for (String s : shards) {
            out.put(s, 1.0);
        }
        return out;
    }
}
