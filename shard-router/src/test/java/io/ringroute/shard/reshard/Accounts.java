package io.ringroute.shard.reshard;

import io.ringroute.shard.ShardWork;
import io.ringroute.shard.catalog.CatalogSnapshot;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/** The table the resharding tests move, {@code accounts (k text PRIMARY KEY, v bigint NOT NULL)} and its token. */
public final class Accounts {

    public static final ShardedTable TABLE = ShardedTable.of("accounts", "k", "k");

    private Accounts() {
    }

    /**
     * Creates the table on every shard of the cluster and a catalog that routes by {@code initial} and knows the
     * table; returns the catalog's first snapshot.
     */
    public static CatalogSnapshot create(EmbeddedShardCluster cluster, CatalogSpec catalog, ShardTopology initial)
            throws SQLException {
        for (EmbeddedShard s : cluster.shards()) {
            try (Connection c = s.primary().connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE accounts (k text PRIMARY KEY, v bigint NOT NULL)");
                TABLE.addTokenColumn(c);
            }
        }
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            CatalogSnapshot first = cat.initialize(initial);
            cat.registerTable(TABLE);
            return first;
        }
    }

    /** Writes the key's value, inserting the row if it is missing. */
    public static ShardWork<Integer> put(String key, long value) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (k, v) VALUES (?, ?)"
                    + " ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v")) {
                ps.setString(1, key);
                ps.setLong(2, value);
                return ps.executeUpdate();
            }
        };
    }
}
