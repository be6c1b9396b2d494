package io.ringroute.bench.peers.sharding;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * Writer threads for the resharding comparison (the load of {@code ReshardBenchmark}): 80% updates of random
 * preloaded rows {@code acct-<i>}, 20% inserts of new rows, each through a {@link AccountWriter}. Each thread stops at
 * {@link #stop()} or at its deadline, whichever comes first.
 */
final class WriteLoad {

    /** Writes one row of the accounts table: an insert of a new key or an update of an existing one. */
    interface AccountWriter {
        void write(int thread, String key, long value, boolean insert) throws SQLException;
    }

    final Recorder latency = new Recorder(3);
    final LongAdder errors = new LongAdder();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    WriteLoad(String name, AccountWriter writer, int writers, int rows, long deadlineNanos) {
        for (int t = 0; t < writers; t++) {
            int id = t;
            threads.add(new Thread(() -> {
                SplittableRandom random = new SplittableRandom(id);
                int inserted = 0;
                while (running.get() && System.nanoTime() < deadlineNanos) {
                    boolean insert = random.nextInt(5) == 0;
                    String k = insert ? name + "-new-" + id + "-" + inserted++ : "acct-" + random.nextInt(rows);
                    long start = System.nanoTime();
                    try {
                        writer.write(id, k, random.nextLong(), insert);
                        latency.recordValue(System.nanoTime() - start);
                    } catch (SQLException | RuntimeException e) {
                        errors.increment();
                    }
                }
            }, name + "-writer-" + t));
        }
        threads.forEach(Thread::start);
    }

    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
    }
}
