package io.ringroute.ring;

/**
 * One swap of a {@link LiveRing}: the epoch the new ring got, both rings and the plan between them. The plan walks
 * both rings whole, so it is computed on the first call to {@link #plan()} only: a listener that only needs to
 * know the ring changed pays nothing for it.
 */
public final class RingChange {

    private final long epoch;
    private final HashRing before;
    private final HashRing after;
    private final boolean planned;
    private RebalancePlan plan;

    /**
     * @param epoch   the epoch of {@code after}; epochs only grow
     * @param before  the ring that was current
     * @param after   the ring that is current now
     * @param planned whether {@link #plan()} may compute a plan (false: the live ring has no listener)
     */
    RingChange(long epoch, HashRing before, HashRing after, boolean planned) {
        this.epoch = epoch;
        this.before = before;
        this.after = after;
        this.planned = planned && !before.isEmpty() && !after.isEmpty();
    }

    /** The epoch of {@link #after()}; epochs only grow. */
    public long epoch() {
        return epoch;
    }

    /** The ring that was current. */
    public HashRing before() {
        return before;
    }

    /** The ring that is current now. */
    public HashRing after() {
        return after;
    }

    /** What moved; null when either ring is empty or the live ring had no listener. */
    public synchronized RebalancePlan plan() {
        if (plan == null && planned) {
            plan = RebalancePlan.between(before, after);
        }
        return plan;
    }
}
