package io.ringroute.cache;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Versions for writes that bring none of their own: wall-clock milliseconds shifted left by {@value #COUNTER_BITS}
 * bits plus a counter, never going backwards in this process, and pushed past every version this process reads
 * (a hybrid logical clock): a write made after reading another process's write or delete gets a higher version, even
 * within the same millisecond or with a clock that runs behind. Writes with no such causal order are ordered by the
 * hosts' clocks (last writer wins by clock; within one millisecond, arbitrarily). Applications that have a row version
 * (an updated-at, a sequence, a commit LSN) should pass it instead.
 */
final class HybridClock {

    static final int COUNTER_BITS = 16;

    private final LongSupplier millis;
    private final AtomicLong last = new AtomicLong();

    HybridClock(LongSupplier millis) {
        this.millis = millis;
    }

    static HybridClock system() {
        return new HybridClock(System::currentTimeMillis);
    }

    /** Makes every later {@link #next()} higher than {@code version}, a version this process has seen. */
    void observe(long version) {
        if (version > last.get()) {
            last.accumulateAndGet(version, Math::max);
        }
    }

    /** A version higher than every one this clock gave or observed before, and than {@code now << 16}. */
    long next() {
        long physical = millis.getAsLong() << COUNTER_BITS;
        return last.accumulateAndGet(physical, (prev, p) -> Math.max(prev + 1, p));
    }
}
