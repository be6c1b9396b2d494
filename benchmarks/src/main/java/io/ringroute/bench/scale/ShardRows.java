package io.ringroute.bench.scale;

import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's rows on every shard primary, and whether each shard's counters agree with its rows. The service
 * changes a counter in the same write unit, on the same shard, as the rows it counts: {@code users.following} and
 * {@code users.followers} count the user's {@code following} and {@code followers} rows, {@code users.posts} the
 * {@code posts} rows, {@code posts.likes} the {@code likes} rows (the seed writes them agreeing). So with no write
 * in flight, a row a resharding lost, duplicated or left behind on one shard shows as a counter that disagrees,
 * even while the load has added and removed rows; {@code users} is never written by the load, so its count
 * must not change at all.
 */
record ShardRows(Map<String, long[]> perShard) {

    static final List<String> TABLES = List.of("users", "following", "followers", "posts", "likes");
    /** For each table after {@code users}, the counter sum that must equal its row count. */
    private static final List<String> COUNTERS = List.of("(SELECT coalesce(sum(following), 0) FROM users)",
            "(SELECT coalesce(sum(followers), 0) FROM users)", "(SELECT coalesce(sum(posts), 0) FROM users)",
            "(SELECT coalesce(sum(likes), 0) FROM posts)");

    /** Reads every shard of the cluster (run it with no write in flight). */
    static ShardRows read(EmbeddedShardCluster cluster) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ");
        for (String t : TABLES) {
            sql.append("(SELECT count(*) FROM ").append(t).append("), ");
        }
        sql.append(String.join(", ", COUNTERS));
        Map<String, long[]> out = new LinkedHashMap<>();
        for (EmbeddedShard shard : cluster.shards()) {
            try (Connection c = shard.primary().connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery(sql.toString())) {
                rs.next();
                long[] v = new long[TABLES.size() + COUNTERS.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = rs.getLong(i + 1);
                }
                out.put(shard.name(), v);
            }
        }
        return new ShardRows(out);
    }

    /** Rows of {@code table} on all shards together. */
    long total(String table) {
        int i = TABLES.indexOf(table);
        return perShard.values().stream().mapToLong(v -> v[i]).sum();
    }

    /** Each shard and table whose counter disagrees with its rows, as "shard table rows/counter"; empty if none. */
    List<String> disagreements() {
        List<String> out = new ArrayList<>();
        perShard.forEach((shard, v) -> {
            for (int i = 1; i < TABLES.size(); i++) {
                long counter = v[TABLES.size() + i - 1];
                if (v[i] != counter) {
                    out.add(shard + " " + TABLES.get(i) + " " + v[i] + "/" + counter);
                }
            }
        });
        return out;
    }

    /** Rows per table over all shards, then per shard. */
    String describe() {
        StringBuilder b = new StringBuilder();
        for (String t : TABLES) {
            b.append(b.isEmpty() ? "" : ", ").append(t).append(' ').append(String.format("%,d", total(t)));
        }
        perShard.forEach((shard, v) -> b.append(String.format("%n  %-8s", shard)).append(String.format(
                " users %,d, following %,d, followers %,d, posts %,d, likes %,d", v[0], v[1], v[2], v[3], v[4])));
        return b.toString();
    }
}
