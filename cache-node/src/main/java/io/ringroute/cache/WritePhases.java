package io.ringroute.cache;

/** The current {@link WritePhase}, swapped by membership changes and entered by every write. */
final class WritePhases {

    private volatile WritePhase current = WritePhase.steady();

    /** Registers a writer in the current phase; the caller must {@link WritePhase#exit()} it on the same thread. */
    WritePhase enter() {
        for (;;) {
            WritePhase p = current;
            p.enter();
            if (current == p) {
                return p;
            }
            p.exit(); // swapped meanwhile: the swapper may already have seen p idle, so use the new phase
        }
    }

    WritePhase current() {
        return current;
    }

    /**
     * Makes {@code next} current and waits until every write that entered the old phase has finished. Swaps run one
     * at a time, so each phase is swapped out, and waited for, by one thread.
     */
    synchronized void swap(WritePhase next) {
        WritePhase old = current;
        current = next;
        old.awaitIdle();
    }
}
