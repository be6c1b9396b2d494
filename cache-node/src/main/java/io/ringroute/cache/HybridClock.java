package io.ringroute.cache;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versions for writes that bring none of their own: wall-clock milliseconds shifted left by {@value #COUNTER_BITS}
 * bits plus a counter, never going backwards in this process, and pushed past every version this process reads
 * (a hybrid logical clock): a write made after reading another process's write or delete gets a higher version, even
 * within the same millisecond or with a clock that runs behind. Writes with no such causal order are ordered by the
 * hosts' clocks (last writer wins by clock; within one millisecond, arbitrarily). Applications that have a row version
 * (an updated-at, a sequence, a commit LSN) should pass it instead.
 *
 * <p>As in the HLC paper's bounded drift, a version read more than {@link #MAX_AHEAD_MILLIS} ahead of this host's
 * clock is not followed: one entry written with a far-future version (a host with a wrong clock, a caller version of
 * {@code Long.MAX_VALUE}, anyone who can write to a node) would otherwise carry this process's clock to the end of
 * its range, where it would wrap to negative versions that every node refuses as older.
 */
final class HybridClock {

    static final int COUNTER_BITS = 16;
    /** How far ahead of this host's clock a read version may be and still be followed: far beyond any NTP skew. */
    static final long MAX_AHEAD_MILLIS = 3_600_000;

    private static final Logger LOG = LoggerFactory.getLogger(HybridClock.class);

    private final LongSupplier millis;
    private final AtomicLong last = new AtomicLong();
    private volatile boolean warnedAhead;

    HybridClock(LongSupplier millis) {
        this.millis = millis;
    }

    static HybridClock system() {
        return new HybridClock(System::currentTimeMillis);
    }

    /**
     * Makes every later {@link #next()} higher than {@code version}, a version this process has seen, unless it lies
     * more than {@link #MAX_AHEAD_MILLIS} ahead of this host's clock.
     */
    void observe(long version) {
        if (version <= last.get()) {
            return;
        }
        long limit = (millis.getAsLong() + MAX_AHEAD_MILLIS) << COUNTER_BITS;
        if (version > limit || version < 0) {
            if (!warnedAhead) {
                warnedAhead = true;
                LOG.warn("a cache entry carries version {}, more than {} ms ahead of this host's clock: this process's"
                        + " versions do not follow it (check the clock of the host that wrote it)", version,
                        MAX_AHEAD_MILLIS);
            } else {
                LOG.debug("not following version {}: beyond this host's clock", version);
            }
            return;
        }
        last.accumulateAndGet(version, Math::max);
    }

    /** A version higher than every one this clock gave or observed before, and than {@code now << 16}. */
    long next() {
        long physical = millis.getAsLong() << COUNTER_BITS;
        return last.accumulateAndGet(physical, (prev, p) -> Math.max(prev + 1, p));
    }
}
