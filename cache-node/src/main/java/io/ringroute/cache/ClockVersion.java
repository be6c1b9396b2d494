package io.ringroute.cache;

/**
 * The versions {@link CacheCluster} gives writes that bring none of their own ({@code put(key, value)},
 * {@code delete(key)}, {@code getOrLoad}): wall-clock milliseconds shifted left by 16 bits plus a counter. For a
 * component outside the client that must order its writes against them, such as the WAL invalidator.
 */
public final class ClockVersion {

    private ClockVersion() {
    }

    /**
     * The highest clock version of the millisecond {@code epochMillis}: newer than every version a client's clock
     * gave up to the end of that millisecond (clocks in step), older than any it gives later.
     */
    public static long at(long epochMillis) {
        if (epochMillis < 0 || epochMillis >= 1L << (63 - HybridClock.COUNTER_BITS)) {
            throw new IllegalArgumentException("epochMillis must be a time since 1970 in milliseconds, was "
                    + epochMillis);
        }
        return (epochMillis << HybridClock.COUNTER_BITS) | ((1L << HybridClock.COUNTER_BITS) - 1);
    }
}
