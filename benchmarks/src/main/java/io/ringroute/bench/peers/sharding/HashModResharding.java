package io.ringroute.bench.peers.sharding;

import io.ringroute.shard.embedded.EmbeddedShard;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What a ShardingSphere-JDBC user does to go from {@code HASH_MOD} over n shards to n + 1 without ShardingSphere-Proxy:
 * with the writers stopped, read every row of every old shard, send each row whose {@code |hashCode| % (n+1)} names
 * another shard there (COPY), delete it at the source, then start the application on the new sharding count. The
 * hash is Java's {@code String.hashCode}, which PostgreSQL cannot compute, so the rows travel through the client.
 * Shard {@code i} holds the logic table's actual table {@code <table>_i} (see {@link ShardingSphereSetup}).
 */
final class HashModResharding {

    private static final int DELETE_BATCH = 10_000;

    private HashModResharding() {
    }

    /** Rows read, rows moved, and the time the copy and delete took. */
    record Moved(long rowsScanned, long rowsMoved, long nanos) {
    }

    /** Moves {@code table}'s rows from shards {@code 0..from-1} to their place among all {@code shards}. */
    static Moved move(List<EmbeddedShard> shards, int from, String table) throws SQLException {
        int to = shards.size();
        long start = System.nanoTime();
        long scanned = 0;
        StringBuilder[] incoming = new StringBuilder[to];
        List<List<String>> leaving = new ArrayList<>();
        for (int i = 0; i < to; i++) {
            incoming[i] = new StringBuilder();
        }
        for (int src = 0; src < from; src++) {
            List<String> keys = new ArrayList<>();
            try (Connection c = shards.get(src).primary().connect()) {
                c.setAutoCommit(false);                               // lets the driver stream with a fetch size
                try (Statement st = c.createStatement()) {
                    st.setFetchSize(5000);
                    try (ResultSet rs = st.executeQuery("SELECT k, v, payload FROM " + table + "_" + src)) {
                        while (rs.next()) {
                            scanned++;
                            String k = rs.getString(1);
                            int target = HashMod.index(k, to);
                            if (target != src) {
                                String payload = rs.getString(3);
                                incoming[target].append(k).append('\t').append(rs.getLong(2)).append('\t')
                                        .append(payload == null ? "\\N" : payload).append('\n');
                                keys.add(k);
                            }
                        }
                    }
                }
                c.commit();
            }
            leaving.add(keys);
        }
        long moved = 0;
        for (int dst = 0; dst < to; dst++) {
            if (incoming[dst].length() > 0) {
                try (Connection c = shards.get(dst).primary().connect()) {
                    AccountRows.copyIn(c, "COPY " + table + "_" + dst + " (k, v, payload) FROM STDIN",
                            incoming[dst]);
                }
            }
        }
        for (int src = 0; src < from; src++) {
            List<String> keys = leaving.get(src);
            moved += keys.size();
            try (Connection c = shards.get(src).primary().connect();
                 PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + "_" + src
                         + " WHERE k = ANY(?)")) {
                for (int i = 0; i < keys.size(); i += DELETE_BATCH) {
                    Array batch = c.createArrayOf("text", keys.subList(i, Math.min(keys.size(), i + DELETE_BATCH))
                            .toArray());
                    ps.setArray(1, batch);
                    ps.executeUpdate();
                }
            }
        }
        return new Moved(scanned, moved, System.nanoTime() - start);
    }

    /** Rows of {@code table}'s actual table on shard {@code i} whose HASH_MOD place among {@code shards} is another. */
    static long misplaced(List<EmbeddedShard> shards, String table) throws SQLException {
        long wrong = 0;
        for (int i = 0; i < shards.size(); i++) {
            try (Connection c = shards.get(i).primary().connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT k FROM " + table + "_" + i)) {
                while (rs.next()) {
                    if (HashMod.index(rs.getString(1), shards.size()) != i) {
                        wrong++;
                    }
                }
            }
        }
        return wrong;
    }
}
