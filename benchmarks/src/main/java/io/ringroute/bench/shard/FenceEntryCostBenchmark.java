package io.ringroute.bench.shard;

import io.ringroute.shard.WriteFence;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import org.HdrHistogram.Histogram;

/**
 * Where a catalog router's write unit spends the time its fence entry adds (issue 14 item 4): the same
 * single-statement write transaction ({@code UPDATE counters SET n = n + 1 WHERE k = ?}, then {@code COMMIT}) on one
 * embedded primary with a standby, each side on a connection of its own, with a different first statement riding on
 * the update's round trip as the router sends it ({@code <entry>; <update>}): none (the bare transaction), an empty
 * {@code SELECT 1}, the static router's token binding, the fence's shared advisory lock alone, its epoch read alone,
 * both without the waiting fallback, and the catalog router's real entry ({@link WriteFence#ENTER_UNIT_SQL}).
 * The sides are interleaved call by call in a new random order each time. Prints p50/p90 and each side's p50 minus
 * the bare and the token sides'. No router, no pool: the server's share of the cost alone.
 *
 * <p>Arguments: [rounds (default 40)] [writes per side per round (default 500)].
 */
public final class FenceEntryCostBenchmark {
    private static final String UPDATE = "UPDATE counters SET n = n + 1 WHERE k = ?";
    private static final String BIND = "set_config('ringroute.token', ?, true)";
    private static final String LOCK = "pg_try_advisory_xact_lock_shared(" + WriteFence.LOCK_KEY + ")";
    private static final String EPOCH = "coalesce(pg_sequence_last_value('" + WriteFence.SCHEMA + ".min_epoch'), 0) <= ?";
    private static final String[] NAMES = {"bare (update only)", "SELECT 1", "token binding", "lock + token",
        "epoch + token", "lock + epoch + token", "catalog entry (real)"};
    private static final String[] ENTRIES = {null, "SELECT 1", "SELECT " + BIND,
        "SELECT CASE WHEN " + LOCK + " THEN " + BIND + " END", "SELECT CASE WHEN " + EPOCH + " THEN " + BIND + " END",
        "SELECT CASE WHEN CASE WHEN " + LOCK + " THEN " + EPOCH + " END THEN " + BIND + " END",
        WriteFence.ENTER_UNIT_SQL};
    private static final int TOKEN_SIDE = 2;
    private static final long EPOCH_VALUE = 1;

    private FenceEntryCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        try (EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shards(1).replicasPerShard(1).start()) {
            EmbeddedServer primary = cluster.shards().get(0).primary();
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                WriteFence.install(c);
                st.execute("CREATE TABLE counters (k text PRIMARY KEY, n bigint NOT NULL)");
                st.execute("INSERT INTO counters SELECT 'k' || g, 0 FROM generate_series(0, 999) g");
            }
            int sides = ENTRIES.length;
            Connection[] connections = new Connection[sides];
            try {
                PreparedStatement[] statements = new PreparedStatement[sides];
                for (int s = 0; s < sides; s++) {
                    connections[s] = primary.connect();
                    connections[s].setAutoCommit(false);
                    statements[s] = connections[s].prepareStatement(ENTRIES[s] == null ? UPDATE
                            : ENTRIES[s] + "; " + UPDATE);
                }
                System.out.printf("fence entry cost: %d rounds x %d write transactions per side, 1 thread%n", rounds,
                        perRound);
                report(measure(connections, statements, rounds, perRound));
            } finally {
                for (Connection c : connections) {
                    if (c != null) {
                        c.close();
                    }
                }
            }
        }
    }

    private static Histogram[] measure(Connection[] connections, PreparedStatement[] statements, int rounds,
                                       int perRound) throws SQLException {
        int sides = statements.length;
        Histogram[] h = new Histogram[sides];
        int[] order = new int[sides];
        for (int s = 0; s < sides; s++) {
            h[s] = new Histogram(3);
            order[s] = s;
        }
        Random random = new Random(14);
        for (int r = -3; r < rounds; r++) {                  // 3 warm-up rounds, not recorded
            for (int i = 0; i < perRound; i++) {
                String key = "k" + random.nextInt(1000);
                WriteOverheadBenchmark.shuffle(order, random);
                for (int side : order) {
                    long t0 = System.nanoTime();
                    write(side, statements[side], key);
                    connections[side].commit();
                    long nanos = System.nanoTime() - t0;
                    if (r >= 0) {
                        h[side].recordValue(nanos);
                    }
                }
            }
        }
        return h;
    }

    /** Binds the entry's parameters (the same values every time: the fence's fast path), then the update's key. */
    private static void write(int side, PreparedStatement ps, String key) throws SQLException {
        int p = 1;
        switch (side) {
            case 2, 3 -> ps.setString(p++, "42");
            case 4, 5 -> {
                ps.setLong(p++, EPOCH_VALUE);
                ps.setString(p++, "42");
            }
            case 6 -> {
                ps.setLong(p++, EPOCH_VALUE);
                ps.setString(p++, "42");
                ps.setLong(p++, EPOCH_VALUE);
                ps.setString(p++, "42");
                ps.setInt(p++, 1000);
            }
            default -> {
            }
        }
        ps.setString(p, key);
        ps.execute();
    }

    private static void report(Histogram[] h) {
        double bare = h[0].getValueAtPercentile(50) / 1e3;
        double token = h[TOKEN_SIDE].getValueAtPercentile(50) / 1e3;
        for (int s = 0; s < h.length; s++) {
            double p50 = h[s].getValueAtPercentile(50) / 1e3;
            System.out.printf("%-22s p50 %6.1f us  p90 %6.1f us  p50 / bare %.3f  p50 - bare %+6.1f us"
                    + "  p50 - token %+6.1f us%n", NAMES[s], p50, h[s].getValueAtPercentile(90) / 1e3, p50 / bare,
                    p50 - bare, p50 - token);
        }
    }
}
