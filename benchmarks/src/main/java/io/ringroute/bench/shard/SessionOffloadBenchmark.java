package io.ringroute.bench.shard;

import io.ringroute.shard.Consistency;
import io.ringroute.shard.RouterMetrics;
import io.ringroute.shard.Session;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Read-your-writes routing under a mixed workload: concurrent user sessions of 20 requests each, 10% writes (to
 * the session's own rows), 90% reads (70% of them of the session's own rows, 30% of other users' rows), a short
 * exponential think time between requests, on two shards whose replicas apply commits with a fixed delay.
 *
 * <p>Policies compared on the same workload: SESSION consistency (LSN tokens) and the usual framework rule "read
 * from the primary for N seconds after a write, else from a replica", for several N. For each: the share of reads
 * served by replicas (offload) and the number of stale reads of the session's own rows (a read that misses the
 * session's last write).
 *
 * <p>Arguments: [sessions per policy (default 600)] [concurrent sessions (default 16)] [apply delay ms (default
 * 300)] [mean think time ms (default 25)].
 */
public final class SessionOffloadBenchmark {

    private static final int REQUESTS_PER_SESSION = 20;
    private static final int OWN_KEYS = 4;

    private SessionOffloadBenchmark() {
    }

    /** Where a read goes: null = SESSION routing; otherwise the "primary for N after a write" window. */
    private record Policy(String name, Duration primaryWindow) {
    }

    public static void main(String[] args) throws Exception {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        Duration applyDelay = Duration.ofMillis(args.length > 2 ? Long.parseLong(args[2]) : 300);
        double thinkMillis = args.length > 3 ? Double.parseDouble(args[3]) : 25;
        List<Policy> policies = List.of(new Policy("SESSION (LSN token)", null),
                new Policy("primary 0.1 s after write", Duration.ofMillis(100)),
                new Policy("primary 1 s after write", Duration.ofSeconds(1)),
                new Policy("primary 5 s after write", Duration.ofSeconds(5)));
        try (EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shards(2).replicasPerShard(1)
                .replicaApplyDelay(applyDelay).start();
             ShardRouter router = ShardRouter.builder().topology(cluster.topology()).build()) {
            for (EmbeddedShard s : cluster.shards()) {
                try (Connection c = s.primary().connect(); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE profiles (k text PRIMARY KEY, v bigint NOT NULL)");
                }
            }
            Thread.sleep(applyDelay.toMillis() + 500);
            System.out.printf("mixed workload: %d sessions x %d requests per policy, %d concurrent, 10%% writes,"
                            + " replica apply delay %d ms, think time %.0f ms (mean)%n", sessions,
                    REQUESTS_PER_SESSION, concurrency, applyDelay.toMillis(), thinkMillis);
            int run = 0;
            for (Policy p : policies) {
                run(router, p, run++, sessions, concurrency, thinkMillis);
            }
        }
    }

    private static void run(ShardRouter router, Policy policy, int run, int sessions, int concurrency,
                            double thinkMillis) throws Exception {
        RouterMetrics before = router.metrics();
        LongAdder ownReads = new LongAdder();
        LongAdder stale = new LongAdder();
        LongAdder reads = new LongAdder();
        AtomicInteger nextSession = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            done.add(pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(run * 1_000_003L + Thread.currentThread().getId());
                for (int id = nextSession.getAndIncrement(); id < sessions; id = nextSession.getAndIncrement()) {
                    runSession(router, policy, "r" + run + "-u" + id, sessions, run, random, thinkMillis, ownReads,
                            stale, reads);
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        RouterMetrics after = router.metrics();
        long replicaReads = after.replicaReads() - before.replicaReads();
        long allReads = replicaReads + after.primaryReads() - before.primaryReads();
        System.out.printf("%-27s reads %6d  served by replicas %5.1f%%  stale reads of own rows %5d of %6d"
                        + " (%.2f%%)  %.1f s%n", policy.name(), allReads, 100.0 * replicaReads / allReads,
                stale.sum(), ownReads.sum(), 100.0 * stale.sum() / Math.max(1, ownReads.sum()), seconds);
    }

    private static void runSession(ShardRouter router, Policy policy, String user, int sessions, int run,
                                   SplittableRandom random, double thinkMillis, LongAdder ownReads, LongAdder stale,
                                   LongAdder reads) throws Exception {
        Session session = router.session();
        Map<String, Long> written = new HashMap<>();
        long lastWrite = Long.MIN_VALUE / 2;
        for (int r = 0; r < REQUESTS_PER_SESSION; r++) {
            Thread.sleep((long) (-Math.log(1 - random.nextDouble()) * thinkMillis));
            String own = user + "-k" + random.nextInt(OWN_KEYS);
            if (random.nextInt(10) == 0) {
                long value = random.nextLong(1, Long.MAX_VALUE);
                session.write(own, c -> put(c, own, value));
                written.put(own, value);
                lastWrite = System.nanoTime();
                continue;
            }
            boolean readOwn = random.nextInt(10) < 7;
            String key = readOwn ? own : "r" + run + "-u" + random.nextInt(sessions) + "-k" + random.nextInt(OWN_KEYS);
            Consistency c = policy.primaryWindow() == null ? Consistency.SESSION
                    : System.nanoTime() - lastWrite < policy.primaryWindow().toNanos() ? Consistency.STRONG
                    : Consistency.EVENTUAL;
            Long seen = session.read(key, c, conn -> get(conn, key));
            reads.increment();
            if (readOwn && written.containsKey(own)) {
                ownReads.increment();
                if (!written.get(own).equals(seen)) {
                    stale.increment();
                }
            }
        }
    }

    private static int put(Connection c, String key, long value) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO profiles (k, v) VALUES (?, ?)"
                + " ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v")) {
            ps.setString(1, key);
            ps.setLong(2, value);
            return ps.executeUpdate();
        }
    }

    private static Long get(Connection c, String key) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT v FROM profiles WHERE k = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }
}
