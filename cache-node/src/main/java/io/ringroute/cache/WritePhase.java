package io.ringroute.cache;

import io.ringroute.ring.HashRing;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where writes go besides the current ring's replicas while the ring changes, and which keys were deleted meanwhile.
 * Writers register in the phase they use ({@link #enter}), so a change can wait until no write of an older phase is
 * still running before it copies or flips ({@link WritePhases#swap}).
 */
final class WritePhase {

    static final WritePhase STEADY = new WritePhase(null, false);

    /** The ring being moved to, whose replicas get every write too; null when no change runs. */
    final HashRing next;
    /** Identities of keys deleted during this phase, with the newest tombstone of each; null unless recording. */
    final ConcurrentMap<Object, byte[]> deleted;
    private final AtomicInteger writers = new AtomicInteger();

    WritePhase(HashRing next, boolean recordDeletes) {
        this.next = next;
        this.deleted = recordDeletes ? new ConcurrentHashMap<>() : null;
    }

    void enter() {
        writers.incrementAndGet();
    }

    void exit() {
        writers.decrementAndGet();
    }

    boolean idle() {
        return writers.get() == 0;
    }
}
