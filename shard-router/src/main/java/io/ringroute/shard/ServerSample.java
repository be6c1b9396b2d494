package io.ringroute.shard;

/**
 * What one poll of a server saw, published whole so the routing path never mixes two polls.
 *
 * @param identity       the WAL history it is on (null before the first poll)
 * @param lsn            primary: its insert LSN; replica: its replay LSN (a lower bound of the real one)
 * @param startedMicros  {@code pg_postmaster_start_time()} in microseconds: the incarnation the sample is from
 * @param freshAsOfNanos replica: it serves at least the primary's state at this {@link System#nanoTime()}
 */
record ServerSample(ServerIdentity identity, long lsn, long startedMicros, long freshAsOfNanos) {

    /** freshAsOfNanos of a replica whose staleness is unknown: fails every staleness bound. */
    static final long STALENESS_UNKNOWN = Long.MIN_VALUE / 4;

    /** Before the first poll. */
    static final ServerSample NONE = new ServerSample(null, 0, 0, STALENESS_UNKNOWN);
}
