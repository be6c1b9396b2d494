package io.ringroute.bench.scale;

import io.ringroute.demo.ops.LoadGenerator;
import io.ringroute.demo.ops.LoadGenerator.Operation;
import io.ringroute.demo.social.Social;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Client threads running the demo's load mix ({@link LoadGenerator#once}) against its service code, unpaced (as
 * fast as they go) or paced to a total rate. Each operation's latency is recorded, in microseconds, only if it
 * started after the warm-up.
 */
final class ScaleLoad {

    /** What the measured part of a run did. */
    record Result(Map<Operation, Histogram> latency, long ops, long errors, String firstError, double seconds) {
        double opsPerSecond() {
            return ops / seconds;
        }
    }

    private final Social social;
    private final List<String> users;
    private final int threads;
    private final int rate;
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final List<Map<Operation, Histogram>> perThread = new ArrayList<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile long measureFrom;
    private volatile long stopAt;

    /** {@code rate} 0: unpaced. */
    ScaleLoad(Social social, List<String> users, int threads, int rate) {
        if (users.size() < 2) {
            throw new IllegalArgumentException("the load needs at least 2 active users, was " + users.size());
        }
        this.social = social;
        this.users = users;
        this.threads = threads;
        this.rate = rate;
    }

    /** Starts the threads: they warm up for {@code warmupNanos}, then are measured for {@code measureNanos}. */
    void start(long warmupNanos, long measureNanos, long seed) {
        long now = System.nanoTime();
        measureFrom = now + warmupNanos;
        stopAt = measureFrom + measureNanos;
        for (int i = 0; i < threads; i++) {
            Map<Operation, Histogram> mine = new EnumMap<>(Operation.class);
            for (Operation op : Operation.values()) {
                mine.put(op, new Histogram(3));
            }
            perThread.add(mine);
            Random random = new Random(seed * 31 + i);
            Thread t = new Thread(() -> work(mine, random), "scale-load-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    /** Waits for the threads to finish their last operation and merges what they measured. */
    Result finish() throws InterruptedException {
        for (Thread t : workers) {
            t.join(TimeUnit.MINUTES.toMillis(2));
        }
        Map<Operation, Histogram> merged = new EnumMap<>(Operation.class);
        long ops = 0;
        for (Operation op : Operation.values()) {
            Histogram h = new Histogram(3);
            perThread.forEach(m -> h.add(m.get(op)));
            merged.put(op, h);
            ops += h.getTotalCount();
        }
        return new Result(merged, ops, errors.get(), firstError.get(), (stopAt - measureFrom) / 1e9);
    }

    private void work(Map<Operation, Histogram> latency, Random random) {
        long interval = rate == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) * threads / rate;
        long next = System.nanoTime();
        while (true) {
            if (interval > 0) {
                next += interval;
                long now = System.nanoTime();
                if (next > now) {
                    LockSupport.parkNanos(next - now);
                } else if (now - next > TimeUnit.SECONDS.toNanos(1)) {
                    next = now; // fell behind by more than a second: drop the backlog rather than burst
                }
            }
            long start = System.nanoTime();
            if (start >= stopAt) {
                return;
            }
            try {
                Operation op = LoadGenerator.once(social, users, random);
                if (start >= measureFrom) {
                    latency.get(op).recordValue((System.nanoTime() - start) / 1000);
                }
            } catch (RuntimeException e) {
                if (start >= measureFrom) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
        }
    }
}
