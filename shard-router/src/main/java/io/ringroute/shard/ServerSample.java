package io.ringroute.shard;

/**
 * What one poll of a server saw, published whole so the routing path never mixes two polls.
 *
 * @param identity       the WAL history it is on (null before the first poll)
 * @param lsn            primary: its insert LSN; replica: its replay LSN (a lower bound of the real one)
 * @param startedMicros  {@code pg_postmaster_start_time()} in microseconds: the incarnation the sample is from
 * @param freshAsOfNanos replica: it serves at least the primary's state at this {@link System#nanoTime()}
 * @param polledNanos    the {@link System#nanoTime()} taken before the poll's query was sent: the server ran it
 *                       after that instant, so a primary's LSN here is at or past every commit that had returned
 *                       by then (how a session learns its commits' positions without asking)
 */
record ServerSample(ServerIdentity identity, long lsn, long startedMicros, long freshAsOfNanos, long polledNanos) {

    /** freshAsOfNanos of a replica whose staleness is unknown: fails every staleness bound. */
    static final long STALENESS_UNKNOWN = Long.MIN_VALUE / 4;

    /** Before the first poll. */
    static final ServerSample NONE = new ServerSample(null, 0, 0, STALENESS_UNKNOWN, STALENESS_UNKNOWN);

    /**
     * Whether this sample and {@code other} come from the same server incarnation on the same WAL history: no
     * restart, failover or replacement came between them (neither is {@link #NONE}).
     */
    boolean sameServerAs(ServerSample other) {
        return identity != null && identity.equals(other.identity) && startedMicros == other.startedMicros;
    }
}
