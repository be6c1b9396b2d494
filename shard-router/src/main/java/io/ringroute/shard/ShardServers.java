package io.ringroute.shard;

import io.ringroute.shard.config.ShardSpec;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * A shard's servers and the replica choice for each consistency level. The choice reads only volatile fields the
 * poller writes: no lock, no allocation, no round trip.
 */
final class ShardServers implements AutoCloseable {

    final ShardSpec spec;
    final String name;
    final ServerPool primary;
    final ServerPool[] replicas;
    final LongAdder fallbacks = new LongAdder();
    private final LongAdder[] fallbacksByReason = new LongAdder[FallbackReason.values().length];
    /**
     * The primary's LSN right after the last resharding cutover that moved rows here: a replica below it may lack
     * moved rows, so it serves no read, EVENTUAL included (a cache filled from it would keep the gap: the
     * resharder's copies are not invalidated). 0 when nothing ever moved here.
     */
    volatile long floorLsn;

    ShardServers(ShardSpec spec) {
        this.spec = spec;
        this.name = spec.name();
        this.primary = new ServerPool(name, Role.PRIMARY, 0, spec.primary());
        this.replicas = new ServerPool[spec.replicas().size()];
        for (int i = 0; i < replicas.length; i++) {
            replicas[i] = new ServerPool(name, Role.REPLICA, i, spec.replicas().get(i));
            replicas[i].healthy = false;   // until the poller has seen it
        }
        for (int i = 0; i < fallbacksByReason.length; i++) {
            fallbacksByReason[i] = new LongAdder();
        }
    }

    /** Counts a read sent to the primary although it could have used a replica. */
    void fallback(FallbackReason why) {
        fallbacks.increment();
        fallbacksByReason[why.ordinal()].increment();
    }

    long fallbacks(FallbackReason why) {
        return fallbacksByReason[why.ordinal()].sum();
    }

    /** Why {@link #replicaFor} found no replica: none configured, none in rotation, or none far enough. */
    FallbackReason whyNoReplica() {
        if (replicas.length == 0) {
            return FallbackReason.NO_REPLICA;
        }
        for (ServerPool r : replicas) {
            if (r.healthy) {
                return FallbackReason.REPLICA_BEHIND;
            }
        }
        return FallbackReason.REPLICA_DOWN;
    }

    /**
     * The replica a read of this consistency may use, or null for the primary. Among eligible replicas the one that
     * has replayed the most wins; ties go to the first found from a random start, so reads spread evenly over
     * them. The start comes from the calling thread's own generator: no counter that every reader writes.
     */
    ServerPool replicaFor(Consistency consistency, ConsistencyToken token) {
        ServerPool[] rs = replicas;
        int n = rs.length;
        Consistency.Level level = consistency.level();
        if (n == 0 || level == Consistency.Level.STRONG) {
            return null;
        }
        int entry = entryOf(level, token);
        if (entry >= 0 && !token.identityMatches(entry, primary.sample.identity())) {
            return null;    // written on another history (failover, rebuilt server): only the primary is safe
        }
        long floor = floorLsn;
        long now = level == Consistency.Level.BOUNDED_STALENESS ? System.nanoTime() : 0;
        int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
        ServerPool best = null;
        long bestLsn = 0;
        for (int i = 0; i < n; i++) {
            ServerPool r = rs[(start + i) % n];
            ServerSample s = r.sample;
            if (r.healthy && qualifies(r, s, consistency, token, entry, floor, now)
                    && (best == null || Long.compareUnsigned(s.lsn(), bestLsn) > 0)) {
                best = r;
                bestLsn = s.lsn();
            }
        }
        return best;
    }

    /**
     * Whether a replica {@link #replicaFor} chose still qualifies by what is known now: checked after borrowing
     * its connection, which may be the first to reach a restarted server (whose samples then stop counting).
     */
    boolean stillQualifies(ServerPool replica, Consistency consistency, ConsistencyToken token) {
        Consistency.Level level = consistency.level();
        long now = level == Consistency.Level.BOUNDED_STALENESS ? System.nanoTime() : 0;
        return qualifies(replica, replica.sample, consistency, token, entryOf(level, token),
                floorLsn, now);
    }

    /** The token's entry for this shard when the read is SESSION, else -1. */
    private int entryOf(Consistency.Level level, ConsistencyToken token) {
        return level == Consistency.Level.SESSION && token != null ? token.indexOf(name) : -1;
    }

    /**
     * Whether a replica's sample lets it serve the read: any sample for an unconstrained read; otherwise only one
     * from the server's current incarnation (a restarted standby may serve older data than it had replayed before)
     * that has replayed the session's position, the cutover floor and, for bounded staleness, is fresh enough.
     */
    private static boolean qualifies(ServerPool r, ServerSample s, Consistency consistency, ConsistencyToken token,
                                     int entry, long floor, long now) {
        boolean bounded = consistency.level() == Consistency.Level.BOUNDED_STALENESS;
        if (entry < 0 && floor == 0 && !bounded) {
            return true;
        }
        if (!r.trusts(s)) {
            return false;
        }
        if (entry >= 0 && (!token.identityMatches(entry, s.identity())
                || Long.compareUnsigned(s.lsn(), token.lsnAt(entry)) < 0)) {
            return false;
        }
        return Long.compareUnsigned(s.lsn(), floor) >= 0
                && (!bounded || now - s.freshAsOfNanos() <= consistency.maxLagNanos());
    }

    /** A healthy replica on the token's history to wait on for a SESSION read, or null. */
    ServerPool replicaToWaitOn(ConsistencyToken token) {
        int entry = token == null ? -1 : token.indexOf(name);
        if (entry < 0 || !token.identityMatches(entry, primary.sample.identity())) {
            return null;
        }
        ServerPool best = null;
        long bestLsn = 0;
        for (ServerPool r : replicas) {
            ServerSample s = r.sample;
            if (r.healthy && token.identityMatches(entry, s.identity())
                    && (best == null || Long.compareUnsigned(s.lsn(), bestLsn) > 0)) {
                best = r;
                bestLsn = s.lsn();
            }
        }
        return best;
    }

    @Override
    public void close() {
        primary.close();
        for (ServerPool r : replicas) {
            r.close();
        }
    }
}
