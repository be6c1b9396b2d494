package io.ringroute.cache;

import io.ringroute.ring.HashRing;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Where writes go besides the current ring's replicas while the ring changes, and which keys were deleted meanwhile.
 * Writers register in the phase they use ({@link #enter}), so a change can wait until no write of an older phase is
 * still running before it copies or flips ({@link WritePhases#swap}).
 *
 * <p>Each write enters and exits its phase, so the count of running writers is striped: a thread counts in the
 * stripe of its id, each stripe on its own cache line, and enters and exits on the same thread (a write's try and
 * finally), so no stripe ever goes below zero and every stripe a running writer counts in is above zero. Writers on
 * different threads touch different lines; a phase is idle when every stripe reads zero. The one thread that swaps
 * a phase out parks until then, unparked by each exit that sees it waiting.
 */
final class WritePhase {

    /** Longs per stripe: 128 bytes, so that two stripes never share a cache line (nor its adjacent-line prefetch). */
    private static final int PAD = 16;
    /** A power of two, at least 4 per processor, so that a few writer threads rarely share a stripe. */
    private static final int STRIPES =
            Integer.highestOneBit(Math.max(8, 4 * Runtime.getRuntime().availableProcessors()) - 1) << 1;

    /** The ring being moved to, whose replicas get every write too; null when no change runs. */
    final HashRing next;
    /** Identities of keys deleted during this phase, with the newest tombstone of each; null unless recording. */
    final ConcurrentMap<Object, byte[]> deleted;
    /** Stripe k counts at index (k + 1) * PAD: none shares a line with the array's header. */
    private final AtomicLongArray writers = new AtomicLongArray((STRIPES + 1) * PAD);
    /** The thread waiting for this phase to go idle, or null. */
    private volatile Thread swapper;

    WritePhase(HashRing next, boolean recordDeletes) {
        this.next = next;
        this.deleted = recordDeletes ? new ConcurrentHashMap<>() : null;
    }

    /** A phase without a change: writes go to the current ring's replicas only. */
    static WritePhase steady() {
        return new WritePhase(null, false);
    }

    void enter() {
        writers.getAndIncrement(stripe());
    }

    /** Must run on the thread that entered. */
    void exit() {
        writers.getAndDecrement(stripe());
        Thread waiting = swapper;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    boolean idle() {
        for (int i = PAD; i <= STRIPES * PAD; i += PAD) {
            if (writers.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits until every writer that entered this phase has exited; for the thread that swapped it out (so no new
     * writer stays in it: {@link WritePhases#enter} exits a phase it finds swapped).
     *
     * @throws IllegalStateException when interrupted (the interrupt stays set)
     */
    void awaitIdle() {
        swapper = Thread.currentThread(); // before reading the stripes: an exit that misses it was seen by idle()
        try {
            while (!idle()) {
                LockSupport.park(this);
                if (Thread.currentThread().isInterrupted()) {
                    throw new IllegalStateException("interrupted while waiting for writes to finish");
                }
            }
        } finally {
            swapper = null;
        }
    }

    private static int stripe() {
        return ((int) (Thread.currentThread().getId() & (STRIPES - 1)) + 1) * PAD;
    }
}
