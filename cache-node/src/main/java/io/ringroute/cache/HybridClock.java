package io.ringroute.cache;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Versions for writes that bring none of their own: wall-clock milliseconds shifted left by {@value #COUNTER_BITS}
 * bits plus a counter, never going backwards in this process. Across processes on hosts whose clocks agree within
 * a few milliseconds, a later write gets a higher version; a clock that runs behind makes its writes lose to
 * earlier ones from other processes for that long (last writer wins by clock). Applications that have a row version
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

    /** A version higher than every one this clock gave before, and than {@code now << 16}. */
    long next() {
        long physical = millis.getAsLong() << COUNTER_BITS;
        return last.accumulateAndGet(physical, (prev, p) -> Math.max(prev + 1, p));
    }
}
