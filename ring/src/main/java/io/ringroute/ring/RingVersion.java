package io.ringroute.ring;

/**
 * A ring together with the epoch it was published at, read in one atomic step from a {@link LiveRing} (the
 * snapshot of its {@link EpochSwap}).
 *
 * @param epoch starts at 1 and grows by one with each swap
 * @param ring  the ring of that epoch
 */
public record RingVersion(long epoch, HashRing ring) {
}
