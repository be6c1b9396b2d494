package io.ringroute.bench.peers.sharding;

import io.ringroute.bench.peers.sharding.SessionStore.Read;
import io.ringroute.bench.peers.sharding.SessionStore.StoreSession;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * {@code SessionOffloadBenchmark}'s mixed workload, replayable on any {@link SessionStore}: user sessions of 20
 * requests, 10% writes of the session's own rows (4 keys per user), 90% reads (70% of them of the session's own rows,
 * 30% of other users' rows), an exponential think time between requests. Session {@code id} draws from a generator
 * seeded with {@code id}, so every system sees exactly the same keys, values and order.
 */
final class SessionWorkload {

    static final int REQUESTS_PER_SESSION = 20;
    static final int OWN_KEYS = 4;

    private final int users;
    private final int concurrency;
    private final double thinkMillis;
    private final long seed;
    private final long deadlineNanos;

    /**
     * @param users        the key space: sessions {@code 0..users-1} own keys {@code u<id>-k0..3}
     * @param deadlineNanos {@link System#nanoTime()} after which no new request starts
     */
    SessionWorkload(int users, int concurrency, double thinkMillis, long seed, long deadlineNanos) {
        this.users = users;
        this.concurrency = concurrency;
        this.thinkMillis = thinkMillis;
        this.seed = seed;
        this.deadlineNanos = deadlineNanos;
    }

    static String key(int user, int k) {
        return "u" + user + "-k" + k;
    }

    /** Runs sessions {@code from .. to-1} on {@code store} and adds what they saw to {@code into}. */
    void run(SessionStore store, int from, int to, Stats into) throws Exception {
        AtomicInteger next = new AtomicInteger(from);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < concurrency; t++) {
                done.add(pool.submit(() -> {
                    for (int id = next.getAndIncrement(); id < to && System.nanoTime() < deadlineNanos;
                         id = next.getAndIncrement()) {
                        session(store.session(), id, into);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private void session(StoreSession session, int id, Stats stats) throws InterruptedException {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + id);
        Map<String, Long> written = new HashMap<>();
        for (int r = 0; r < REQUESTS_PER_SESSION && System.nanoTime() < deadlineNanos; r++) {
            Thread.sleep((long) (-Math.log(1 - random.nextDouble()) * thinkMillis));
            String own = key(id, random.nextInt(OWN_KEYS));
            if (random.nextInt(10) == 0) {
                long value = random.nextLong(1, Long.MAX_VALUE);
                long t0 = System.nanoTime();
                try {
                    session.write(own, value);
                    stats.writes.recordValue(System.nanoTime() - t0);
                    written.put(own, value);
                } catch (Exception e) {
                    stats.errors.increment();
                }
                continue;
            }
            boolean readOwn = random.nextInt(10) < 7;
            String key = readOwn ? own : key(random.nextInt(users), random.nextInt(OWN_KEYS));
            long t0 = System.nanoTime();
            Read seen;
            try {
                seen = session.read(key);
                stats.reads.recordValue(System.nanoTime() - t0);
            } catch (Exception e) {
                stats.errors.increment();
                continue;
            }
            if (seen.fromReplica()) {
                stats.replicaReads.increment();
            }
            Long mine = readOwn ? written.get(own) : null;
            if (mine != null) {
                stats.ownReads.increment();
                if (!mine.equals(seen.value())) {
                    stats.staleOwnReads.increment();
                }
            }
        }
    }

    /** What one system's sessions saw: latency of reads and writes in ns, replica share, stale own-row reads. */
    static final class Stats {
        final Histogram reads = new ConcurrentHistogram(3);
        final Histogram writes = new ConcurrentHistogram(3);
        final LongAdder replicaReads = new LongAdder();
        final LongAdder ownReads = new LongAdder();
        final LongAdder staleOwnReads = new LongAdder();
        final LongAdder errors = new LongAdder();

        double replicaShare() {
            return (double) replicaReads.sum() / Math.max(1, reads.getTotalCount());
        }
    }
}
