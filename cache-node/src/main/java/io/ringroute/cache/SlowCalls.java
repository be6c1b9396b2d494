package io.ringroute.cache;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latency outlier detection for one node, over a short window: the node is an outlier when {@code count} of its
 * calls took longer than {@code threshold} within {@code window} (Envoy's outlier detection, by latency instead of
 * errors). A node that stalls now and then (a gray failure: GC, a frozen VM, a saturated link) fails no call, yet
 * makes every caller wait; counting slow calls takes it out although every call succeeds. Fast calls in between do
 * not reset the count: a node that stalls 1.5 s and then answers 2,000 calls quickly is still slow.
 *
 * <p>Lock-free: the times of the last {@code count} slow calls in a ring of longs.
 */
final class SlowCalls {

    private final long thresholdMicros;
    private final long windowNanos;
    private final AtomicLongArray slowAt;
    private final AtomicInteger next = new AtomicInteger();

    SlowCalls(Duration threshold, int count, Duration window) {
        this.thresholdMicros = threshold.toNanos() / 1000;
        this.windowNanos = window.toNanos();
        this.slowAt = new AtomicLongArray(count);
        reset();
    }

    /** Records a call that ended at {@code nowNanos}; true when it makes the node an outlier. */
    boolean slow(long nowNanos, long latencyMicros) {
        if (latencyMicros <= thresholdMicros) {
            return false;
        }
        int n = slowAt.length();
        slowAt.set(Math.floorMod(next.getAndIncrement(), n), nowNanos);
        for (int i = 0; i < n; i++) {
            if (nowNanos - slowAt.get(i) > windowNanos) {
                return false;
            }
        }
        return true;
    }

    /** Forgets the slow calls seen so far (the node was probed back in). */
    void reset() {
        for (int i = 0; i < slowAt.length(); i++) {
            slowAt.set(i, Long.MIN_VALUE / 2);
        }
    }
}
