package io.ringroute.bench.shard;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.KeyHash;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.postgresql.PGConnection;

/** The resharding benchmarks' sharded table: {@code accounts (k text PRIMARY KEY, v bigint, payload text)}. */
final class Accounts {

    static final String TABLE = "accounts";
    static final ShardedTable SHARDED = ShardedTable.of(TABLE, "k", "k");

    private Accounts() {
    }

    /** Creates the table and its token column on every shard of the cluster. */
    static void create(EmbeddedShardCluster cluster) throws SQLException {
        for (EmbeddedShard s : cluster.shards()) {
            try (Connection c = s.primary().connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + TABLE + " (k text PRIMARY KEY, v bigint NOT NULL, payload text)");
                SHARDED.addTokenColumn(c);
            }
        }
    }

    /** Writes {@code rows} rows (about 120 bytes each) straight to their owners with COPY. */
    static void preload(EmbeddedShardCluster cluster, HashRing ring, int rows) throws Exception {
        Map<String, StringBuilder> byShard = new HashMap<>();
        String payload = "x".repeat(80);
        for (int i = 0; i < rows; i++) {
            String k = "acct-" + i;
            byShard.computeIfAbsent(ring.primary(k).id(), s -> new StringBuilder())
                    .append(k).append('\t').append(i).append('\t').append(payload).append('\t')
                    .append(KeyHash.token(k)).append('\n');
        }
        for (Map.Entry<String, StringBuilder> e : byShard.entrySet()) {
            try (Connection c = cluster.shard(e.getKey()).primary().connect()) {
                c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + TABLE + " (k, v, payload, ring_token)"
                        + " FROM STDIN", new ByteArrayInputStream(e.getValue().toString()
                        .getBytes(StandardCharsets.UTF_8)));
                try (Statement st = c.createStatement()) {
                    st.execute("VACUUM ANALYZE " + TABLE);
                }
            }
        }
    }

    /**
     * The benchmarks' starting point: the table with {@code rows} rows on the cluster's first two shards, and a
     * catalog (on a server of its own) that knows the table and names those two shards as the current topology.
     */
    static CatalogSpec onTwoShardsWithCatalog(EmbeddedShardCluster cluster, ShardTopology two, int rows)
            throws Exception {
        CatalogSpec catalog = new CatalogSpec(cluster.startStandalone("catalog").spec(), "rr_catalog",
                Duration.ofMillis(200));
        create(cluster);
        preload(cluster, two.ring(), rows);
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            cat.initialize(two);
            cat.registerTable(SHARDED);
        }
        return catalog;
    }
}
