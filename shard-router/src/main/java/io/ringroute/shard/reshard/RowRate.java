package io.ringroute.shard.reshard;

import java.util.concurrent.TimeUnit;

/**
 * The resharder's rows-per-second limit: after each piece of work (a COPY segment, a catch-up batch, a delete
 * statement) the run calls {@link #pace} with the rows it wrote, which sleeps just long enough that the work took
 * at least {@code rows / limit} seconds. Work slower than the limit is never slowed further, and time spent
 * elsewhere (a cutover, a catalog write) is not saved up: over any interval the rows paced are at most the limit
 * times its length plus one piece of work. One thread (the run's) uses it.
 */
final class RowRate {

    /** Where the limit reads the time and waits; the system's, or a test's. */
    interface Clock {
        Clock SYSTEM = new Clock() {
            @Override
            public long nanos() {
                return System.nanoTime();
            }

            @Override
            public void sleep(long nanos) throws InterruptedException {
                TimeUnit.NANOSECONDS.sleep(nanos);
            }
        };

        long nanos();

        void sleep(long nanos) throws InterruptedException;
    }

    /** A COPY segment's rows at most: a tenth of a second's worth, so the pace is smooth at any limit. */
    private static final int SEGMENTS_PER_SECOND = 10;

    private final int rowsPerSecond;
    private final Clock clock;
    private long due;           // when the rows paced so far have been paid for, in clock nanos

    /** @param rowsPerSecond the limit; 0 for none */
    RowRate(int rowsPerSecond, Clock clock) {
        this.rowsPerSecond = rowsPerSecond;
        this.clock = clock;
        this.due = clock.nanos();
    }

    /** The most rows one piece of work should write: {@code maxRows}, or less under a limit. */
    int segmentRows(int maxRows) {
        return rowsPerSecond == 0 ? maxRows : Math.max(1, Math.min(maxRows, rowsPerSecond / SEGMENTS_PER_SECOND));
    }

    /** Accounts for {@code rows} just written, sleeping until they are paid for at the limit. */
    void pace(long rows) throws InterruptedException {
        if (rowsPerSecond == 0 || rows <= 0) {
            return;
        }
        long cost = rows * 1_000_000_000L / rowsPerSecond;
        long now = clock.nanos();
        due = Math.max(due, now - cost) + cost;
        if (due > now) {
            clock.sleep(due - now);
        }
    }
}
