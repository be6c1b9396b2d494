package io.ringroute.bench.shard;

import io.ringroute.shard.Consistency;
import io.ringroute.shard.Session;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.ShardWork;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What a session's write costs its reads (issue 14 item 4): a {@link Session#write} no longer reads its commit's
 * position, so the session's SESSION reads of that shard go to the primary until the replica poller's next sample
 * of the primary resolves the position and a replica has replayed it. Measured: after each write, the time until
 * {@link ShardRouter#serverFor} sends the session's read of the key to a replica again (checked every 0.2 ms; each
 * write at a random point of the poll cycle), for a default session and for one that reads the position on the commit ({@link Session#positionOnCommit()}), one
 * embedded shard with a standby, the given poll interval.
 *
 * <p>Arguments: [writes per side (default 200)] [replica poll interval ms (default 100)].
 */
public final class SessionReplicaReturnBenchmark {
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(5);

    private SessionReplicaReturnBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int writes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Duration poll = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 100);
        try (EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shards(1).replicasPerShard(1).start()) {
            EmbeddedServer primary = cluster.shards().get(0).primary();
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE counters (k text PRIMARY KEY, n bigint NOT NULL)");
                st.execute("INSERT INTO counters VALUES ('k', 0)");
            }
            try (ShardRouter router = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(poll)
                    .build()) {
                System.out.printf("session reads back on a replica: %d writes per side, replica poll every %d ms%n",
                        writes, poll.toMillis());
                report("default session", measure(router, router.session(), writes, poll));
                report("position on commit", measure(router, router.session().positionOnCommit(), writes, poll));
            }
        }
    }

    private static Histogram measure(ShardRouter router, Session session, int writes, Duration poll)
            throws Exception {
        ShardWork<Integer> increment = c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE counters SET n = n + 1 WHERE k = 'k'")) {
                return ps.executeUpdate();
            }
        };
        Histogram h = new Histogram(GIVE_UP_NANOS, 3);
        for (int i = -10; i < writes; i++) {                 // 10 warm-up writes, not recorded
            // at a random point of the poll cycle: right after the last return to a replica it would always be
            // just after a poll
            TimeUnit.MICROSECONDS.sleep(ThreadLocalRandom.current().nextLong(poll.toNanos() / 1000));
            session.write("k", increment);
            long start = System.nanoTime();
            long waited = 0;
            while (router.serverFor("k", Consistency.SESSION, session).endsWith("/primary") && waited < GIVE_UP_NANOS) {
                TimeUnit.MICROSECONDS.sleep(200);
                waited = System.nanoTime() - start;
            }
            waited = System.nanoTime() - start;
            if (i >= 0) {
                h.recordValue(Math.min(waited, GIVE_UP_NANOS));
            }
        }
        return h;
    }

    private static void report(String side, Histogram h) {
        System.out.printf("%-20s until a replica: p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %6.2f ms%n", side,
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(90) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getMaxValue() / 1e6);
    }
}
