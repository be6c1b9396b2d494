package io.ringroute.cache;

import java.time.Duration;

/**
 * How far a membership change has got. Listeners get one at the start, one per copied batch of ranges and one at
 * the end; the change methods return the last.
 *
 * @param change         the change, in words ("add e", "remove b", "weight of a 1.0 -> 2.0")
 * @param phase          where it is
 * @param movedFraction  share of the token circle whose replicas change
 * @param batchesDone    batches of ranges copied (or failed) so far
 * @param batchesTotal   batches to copy; 0 for a cold change
 * @param batchesFailed  batches that could not be copied (their keys miss until written again)
 * @param entriesCopied  entries stored on their new owners so far
 * @param elapsed        time since the change started
 */
public record RebalanceProgress(String change, Phase phase, double movedFraction, int batchesDone, int batchesTotal,
                                int batchesFailed, long entriesCopied, Duration elapsed) {

    /** The steps of a change, in order. */
    public enum Phase {
        STARTED,
        COPYING,
        DONE
    }

    @Override
    public String toString() {
        return String.format("%s: %s, %.1f%% of the ring, %d/%d batches (%d failed), %d entries copied, %d ms",
                change, phase, movedFraction * 100, batchesDone, batchesTotal, batchesFailed, entriesCopied,
                elapsed.toMillis());
    }
}
