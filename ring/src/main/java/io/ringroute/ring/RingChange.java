package io.ringroute.ring;

/**
 * One swap of a {@link LiveRing}: the epoch the new ring got, both rings and the plan between them.
 *
 * @param epoch  the epoch of {@code after}; epochs only grow
 * @param before the ring that was current
 * @param after  the ring that is current now
 * @param plan   what moved; null when either ring is empty or the live ring has no listener
 */
public record RingChange(long epoch, HashRing before, HashRing after, RebalancePlan plan) {
}
