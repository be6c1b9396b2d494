package io.ringroute.bench.shard;

import io.ringroute.shard.ShardRouter;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Writer threads over the routers: 80% updates of random preloaded accounts, 20% inserts of new ones; the latency
 * of every write unit goes into {@link #recorder}.
 */
final class AccountWriters {

    final Recorder recorder = new Recorder(3);
    final AtomicLong errors = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    AccountWriters(ShardRouter[] routers, int writers, int rows) {
        for (int t = 0; t < writers; t++) {
            ShardRouter router = routers[t % routers.length];
            int id = t;
            threads.add(new Thread(() -> {
                SplittableRandom random = new SplittableRandom(id);
                int inserted = 0;
                while (running.get()) {
                    boolean insert = random.nextInt(5) == 0;
                    String k = insert ? "new-" + id + "-" + inserted++ : "acct-" + random.nextInt(rows);
                    long v = random.nextLong();
                    long start = System.nanoTime();
                    try {
                        router.write(k, c -> {
                            try (PreparedStatement ps = c.prepareStatement(insert
                                    ? "INSERT INTO " + Accounts.TABLE + " (v, k) VALUES (?, ?)"
                                    : "UPDATE " + Accounts.TABLE + " SET v = ? WHERE k = ?")) {
                                ps.setLong(1, v);
                                ps.setString(2, k);
                                return ps.executeUpdate();
                            }
                        });
                        recorder.recordValue(System.nanoTime() - start);
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
            }, "writer-" + t));
        }
    }

    void start() {
        threads.forEach(Thread::start);
    }

    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
    }

    /** One line: writes, writes per second, p50 / p99 / p99.9 / max. */
    static String describe(Histogram h, double seconds) {
        return String.format("%7d writes %6.0f/s  p50 %6.2f ms  p99 %6.2f ms  p99.9 %7.2f ms  max %7.2f ms",
                h.getTotalCount(), h.getTotalCount() / seconds, h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
    }
}
