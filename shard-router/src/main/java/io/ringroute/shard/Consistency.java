package io.ringroute.shard;

import java.time.Duration;

/**
 * How fresh a read must be, which decides where it may run.
 * <ul>
 *   <li>{@link #STRONG}: the shard's primary.</li>
 *   <li>{@link #EVENTUAL}: any healthy replica, least lag first; the primary when none is healthy.</li>
 *   <li>{@link #SESSION}: read your own writes: a replica only if it has replayed every write the session made on
 *       that shard (per the session's {@link ConsistencyToken}); otherwise the primary.</li>
 *   <li>{@link #boundedStaleness(Duration)}: a replica known to hold the primary's state of at most that long ago.</li>
 * </ul>
 */
public final class Consistency {

    /** The kinds of consistency. */
    public enum Level { STRONG, EVENTUAL, SESSION, BOUNDED_STALENESS }

    public static final Consistency STRONG = new Consistency(Level.STRONG, Duration.ZERO);
    public static final Consistency EVENTUAL = new Consistency(Level.EVENTUAL, Duration.ZERO);
    public static final Consistency SESSION = new Consistency(Level.SESSION, Duration.ZERO);

    private final Level level;
    private final Duration maxLag;
    private final long maxLagNanos;

    private Consistency(Level level, Duration maxLag) {
        this.level = level;
        this.maxLag = maxLag;
        this.maxLagNanos = maxLag.toNanos();
    }

    /** A replica read whose data is at most {@code maxLag} behind the primary. */
    public static Consistency boundedStaleness(Duration maxLag) {
        if (maxLag == null || maxLag.isNegative() || maxLag.isZero()) {
            throw new IllegalArgumentException("maxLag of bounded staleness must be > 0, was " + maxLag);
        }
        return new Consistency(Level.BOUNDED_STALENESS, maxLag);
    }

    public Level level() {
        return level;
    }

    /** The staleness bound; zero unless {@link Level#BOUNDED_STALENESS}. */
    public Duration maxLag() {
        return maxLag;
    }

    long maxLagNanos() {
        return maxLagNanos;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Consistency c && level == c.level && maxLag.equals(c.maxLag);
    }

    @Override
    public int hashCode() {
        return level.hashCode() * 31 + maxLag.hashCode();
    }

    @Override
    public String toString() {
        return level == Level.BOUNDED_STALENESS ? "BOUNDED_STALENESS(" + maxLag.toMillis() + "ms)" : level.name();
    }
}
