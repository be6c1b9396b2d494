package io.ringroute.bench.scale;

import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.stream.Stream;

/** After a bulk load: waiting for every standby to replay it, and what it takes on disk. */
final class Standbys {
    private static final double GIB = 1024.0 * 1024 * 1024;

    private Standbys() {
    }

    /** Waits until every standby has replayed its primary's WAL up to now; fails after {@code timeout}. */
    static void awaitReplay(Iterable<EmbeddedShard> shards, Duration timeout) throws SQLException,
            InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (EmbeddedShard shard : shards) {
            String lsn;
            try (Connection c = shard.primary().connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
                rs.next();
                lsn = rs.getString(1);
            }
            for (EmbeddedServer standby : shard.replicas()) {
                try (Connection c = standby.connect();
                     PreparedStatement ps = c.prepareStatement("SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn")) {
                    ps.setString(1, lsn);
                    while (true) {
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            if (rs.getBoolean(1)) {
                                break;
                            }
                        }
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("standby " + standby.name() + " had not replayed "
                                    + lsn + " after " + timeout.toSeconds() + " s");
                        }
                        Thread.sleep(200);
                    }
                }
            }
        }
    }

    /** The data directories' size (every primary, standby and the catalog) and each primary's database size. */
    static String diskReport(EmbeddedShardCluster cluster) throws SQLException {
        StringBuilder out = new StringBuilder(String.format("disk: %.2f GiB under %s (all data directories:"
                + " primaries, standbys, catalog; sum of file sizes)", bytesUnder(cluster.root()) / GIB, cluster.root()));
        for (EmbeddedShard shard : cluster.shards()) {
            try (Connection c = shard.primary().connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_database_size(current_database()),"
                         + " pg_total_relation_size('posts'), pg_total_relation_size('following')"
                         + " + pg_total_relation_size('followers'), pg_total_relation_size('users')")) {
                rs.next();
                out.append(String.format("%n  %s primary: database %.2f GiB (posts %.2f, follows %.2f, users %.2f)",
                        shard.name(), rs.getLong(1) / GIB, rs.getLong(2) / GIB, rs.getLong(3) / GIB,
                        rs.getLong(4) / GIB));
            }
        }
        return out.toString();
    }

    private static long bytesUnder(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;                       // a WAL segment recycled while we walk
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }
}
