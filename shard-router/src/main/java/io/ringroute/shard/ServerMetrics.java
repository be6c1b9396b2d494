package io.ringroute.shard;

/**
 * Counters and lag of one server, as of the moment they were read.
 *
 * @param shard              the shard
 * @param role               primary or replica
 * @param server             the server's URL with credentials redacted
 * @param healthy            whether it is in rotation
 * @param reads              reads served
 * @param writes             write transactions committed (primaries)
 * @param fallbacksToPrimary reads of this shard that asked for a replica and got the primary (on the primary's row)
 * @param lagBytes           replica: WAL bytes behind the primary's last polled position
 * @param lagSeconds         replica: seconds since the primary state it serves (0 when caught up)
 * @param polls              polls of this server by the router's poller that have finished, answered or failed
 * @param ejections          times the server was taken out of rotation
 */
public record ServerMetrics(String shard, Role role, String server, boolean healthy, long reads, long writes,
                            long fallbacksToPrimary, long lagBytes, double lagSeconds, long polls, long ejections) {
}
