package io.ringroute.shard.reshard;

import java.time.Duration;

/**
 * Where a resharding stands.
 *
 * @param phase         what it is doing: planning, copying, cleaning up, done
 * @param rangesDone    moving ranges handed over to their new owner
 * @param rangesTotal   moving ranges in the plan
 * @param rowsDone      rows copied in this run (bulk and catch-up)
 * @param rowsTotal     rows estimated to move in this run (counted when it started)
 * @param rowsPerSecond copy rate of this run so far
 * @param eta           estimated time left for the copying
 */
public record ReshardProgress(Phase phase, int rangesDone, int rangesTotal, long rowsDone, long rowsTotal,
                              double rowsPerSecond, Duration eta) {

    /** The phases of a run. */
    public enum Phase { PREPARING, MOVING, CLEANING_UP, DONE }

    @Override
    public String toString() {
        return String.format("%s: ranges %d/%d, rows %d/%d, %.0f rows/s, eta %ds", phase, rangesDone, rangesTotal,
                rowsDone, rowsTotal, rowsPerSecond, eta.toSeconds());
    }
}
