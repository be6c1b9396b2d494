package io.ringroute.cache;

/** Whether a membership change copies entries to their new owners before reads move there. */
public enum Warming {
    /** Copy the moving ranges first, then flip the ring: hits stay where they were. */
    WARM,
    /** Flip the ring at once: keys whose owner changed miss until written again. */
    COLD
}
