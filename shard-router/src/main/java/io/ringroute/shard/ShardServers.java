package io.ringroute.shard;

import java.util.concurrent.atomic.AtomicInteger;
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
    private final AtomicInteger rotation = new AtomicInteger();
    /**
     * The primary's LSN right after the last resharding cutover that moved rows here: a replica below it may lack
     * moved rows, so it serves no SESSION or bounded read. 0 when nothing ever moved here.
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
     * has replayed the most wins; ties go round-robin.
     */
    ServerPool replicaFor(Consistency consistency, ConsistencyToken token) {
        ServerPool[] rs = replicas;
        int n = rs.length;
        Consistency.Level level = consistency.level();
        if (n == 0 || level == Consistency.Level.STRONG) {
            return null;
        }
        int entry = -1;
        long required = 0;
        if (level == Consistency.Level.SESSION && token != null) {
            entry = token.indexOf(name);
            if (entry >= 0) {
                if (!token.identityMatches(entry, primary.identity)) {
                    return null;    // written on another history (failover, rebuilt server): only the primary is safe
                }
                required = token.lsnAt(entry);
            }
        }
        long floor = level == Consistency.Level.EVENTUAL ? 0 : floorLsn;
        long now = level == Consistency.Level.BOUNDED_STALENESS ? System.nanoTime() : 0;
        int start = (rotation.getAndIncrement() & Integer.MAX_VALUE) % n;
        ServerPool best = null;
        long bestLsn = 0;
        for (int i = 0; i < n; i++) {
            ServerPool r = rs[(start + i) % n];
            if (!r.healthy) {
                continue;
            }
            long replayed = r.lsn;
            if (entry >= 0 && (!token.identityMatches(entry, r.identity)
                    || Long.compareUnsigned(replayed, required) < 0)) {
                continue;
            }
            if (Long.compareUnsigned(replayed, floor) < 0) {
                continue;
            }
            if (level == Consistency.Level.BOUNDED_STALENESS && now - r.freshAsOfNanos > consistency.maxLagNanos()) {
                continue;
            }
            if (best == null || Long.compareUnsigned(replayed, bestLsn) > 0) {
                best = r;
                bestLsn = replayed;
            }
        }
        return best;
    }

    /** A healthy replica on the token's history to wait on for a SESSION read, or null. */
    ServerPool replicaToWaitOn(ConsistencyToken token) {
        int entry = token == null ? -1 : token.indexOf(name);
        if (entry < 0 || !token.identityMatches(entry, primary.identity)) {
            return null;
        }
        ServerPool best = null;
        for (ServerPool r : replicas) {
            if (r.healthy && token.identityMatches(entry, r.identity)
                    && (best == null || Long.compareUnsigned(r.lsn, best.lsn) > 0)) {
                best = r;
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
