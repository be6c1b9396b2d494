package io.ringroute.bench.peers;

import io.ringroute.bench.cache.HitRateTimeline;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Client threads calling one {@link HazelcastPeer}: a fixed number of gets or puts per thread, or cache-aside
 * reads (get; on a miss, put the value back) until a deadline. Every loop is bounded in count and in time. Each
 * thread records into its own histogram (nanoseconds), merged at the end.
 */
final class HazelcastLoad {

    /** What a load measured. */
    record Result(Histogram latency, long calls, long misses, long failures, double seconds, String firstFailure) {

        double callsPerSecond() {
            return calls / seconds;
        }

        double micros(double percentile) {
            return latency.getValueAtPercentile(percentile) / 1e3;
        }
    }

    enum Op { GET, PUT, CACHE_ASIDE }

    /** Upper bound on any one load, whatever its count. */
    private static final long MAX_NANOS = 10L * 60 * 1_000_000_000L;

    private final HazelcastPeer peer;
    private final String[] keys;
    private final byte[] value;
    private final int threads;

    HazelcastLoad(HazelcastPeer peer, String[] keys, byte[] value, int threads) {
        this.peer = peer;
        this.keys = keys;
        this.value = value;
        this.threads = threads;
    }

    /** {@code callsPerThread} gets or puts on each thread. */
    Result fixed(Op op, int callsPerThread, HazelcastKeyPopularity popularity, long seed)
            throws InterruptedException {
        return run(op, callsPerThread, new AtomicLong(Long.MAX_VALUE), popularity, seed, null);
    }

    /**
     * Cache-aside reads until {@code deadlineNanos} (which the caller may move while the load runs), hits and
     * misses into {@code timeline}.
     */
    Result cacheAside(AtomicLong deadlineNanos, HazelcastKeyPopularity popularity, long seed,
                      HitRateTimeline timeline) throws InterruptedException {
        return run(Op.CACHE_ASIDE, Long.MAX_VALUE, deadlineNanos, popularity, seed, timeline);
    }

    private Result run(Op op, long callsPerThread, AtomicLong deadline, HazelcastKeyPopularity popularity,
                       long seed, HitRateTimeline timeline) throws InterruptedException {
        List<Worker> workers = new ArrayList<>();
        SplittableRandom seeds = new SplittableRandom(seed);
        long hardStop = System.nanoTime() + MAX_NANOS;
        for (int t = 0; t < threads; t++) {
            workers.add(new Worker(op, callsPerThread, deadline, hardStop, popularity, seeds.split(), timeline));
        }
        long start = System.nanoTime();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(workers.get(t), "load-" + t);
            thread.start();
            running.add(thread);
        }
        for (Thread t : running) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Histogram all = new Histogram(3);
        long calls = 0;
        long misses = 0;
        long failures = 0;
        String first = null;
        for (Worker w : workers) {
            all.add(w.latency);
            calls += w.calls;
            misses += w.misses;
            failures += w.failures;
            first = first == null ? w.firstFailure : first;
        }
        return new Result(all, calls, misses, failures, seconds, first);
    }

    private final class Worker implements Runnable {
        private final Op op;
        private final long limit;
        private final AtomicLong deadline;
        private final HazelcastKeyPopularity popularity;
        private final SplittableRandom random;
        private final HitRateTimeline timeline;
        private final Histogram latency = new Histogram(3);
        private long calls;
        private long misses;
        private long failures;
        private final long hardStop;
        private String firstFailure;

        Worker(Op op, long limit, AtomicLong deadline, long hardStop, HazelcastKeyPopularity popularity,
               SplittableRandom random, HitRateTimeline timeline) {
            this.op = op;
            this.limit = limit;
            this.deadline = deadline;
            this.hardStop = hardStop;
            this.popularity = popularity;
            this.random = random;
            this.timeline = timeline;
        }

        @Override
        public void run() {
            long now = System.nanoTime();
            while (calls < limit && now < deadline.get() && now < hardStop) {
                String key = keys[popularity.next(random)];
                long t0 = System.nanoTime();
                try {
                    call(key);
                } catch (RuntimeException e) {
                    failures++;
                    firstFailure = firstFailure == null ? e.getClass().getSimpleName() : firstFailure;
                }
                now = System.nanoTime();
                latency.recordValue(now - t0);
                calls++;
            }
        }

        private void call(String key) {
            switch (op) {
                case GET -> misses += peer.get(key) == null ? 1 : 0;
                case PUT -> peer.put(key, value);
                case CACHE_ASIDE -> {
                    boolean hit = peer.get(key) != null;
                    if (!hit) {
                        misses++;
                        peer.put(key, value);
                    }
                    timeline.record(hit);
                }
            }
        }
    }
}
