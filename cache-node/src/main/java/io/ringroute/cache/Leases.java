package io.ringroute.cache;

import io.ringroute.cache.wire.LeaseAcquire;
import io.ringroute.cache.wire.LeaseEnd;
import io.ringroute.cache.wire.Versioned;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Leases for {@code getOrLoad} across client processes, after memcache's (Nishtala et al., "Scaling Memcache at
 * Facebook", NSDI 2013, section 3.2.1). On a miss the key's primary (the first replica this client may read) grants
 * one client at a time a lease: a token stored in the key's entry ({@link LeaseAcquire}). The holder loads and
 * caches only if its lease still stands ({@link LeaseEnd}); a delete in between (the cluster's or the WAL
 * invalidator's, at any version) replaces the lease, so a value loaded before the change is not cached. Other
 * clients wait for the holder's value, polling with a backoff (1 ms doubling to 50 ms), and take the lease over once
 * it expired (its holder died or is slower than the lease time), then load themselves.
 *
 * <p>Without a reachable primary there is no lease: the client loads and caches by version alone, as before.
 */
final class Leases {

    private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int MAX_POLLS = 10_000;

    /** What a miss got from the key's primary: a value cached meanwhile, or a lease to load under, or neither. */
    record Grant(byte[] cached, NodeClient holder, long token, long carriedVersion) {
        static final Grant NONE = new Grant(null, null, 0, Versioned.UNVERSIONED);
    }

    private final Replicas replicas;
    private final long leaseMillis;
    private final long entryTtlMillis;
    private final long tombstoneTtlMillis;
    private final long callTimeoutMillis;

    Leases(Replicas replicas, long leaseMillis, long tombstoneTtlMillis, long callTimeoutMillis) {
        this.replicas = replicas;
        this.leaseMillis = leaseMillis;
        this.entryTtlMillis = Math.max(tombstoneTtlMillis, (leaseMillis + 999) / 1000 * 1000);
        this.tombstoneTtlMillis = tombstoneTtlMillis;
        this.callTimeoutMillis = callTimeoutMillis;
    }

    /**
     * Asks the key's primary for a lease, waiting while another client holds one: at most the lease time plus a
     * call timeout, and {@value #MAX_POLLS} polls.
     */
    Grant acquire(Object key, long keyToken) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(leaseMillis + callTimeoutMillis);
        long pause = TimeUnit.MILLISECONDS.toNanos(1);
        for (int poll = 0; poll < MAX_POLLS; poll++) {
            NodeClient primary = replicas.primary(key, keyToken);
            if (primary == null) {
                return Grant.NONE;
            }
            long token = ThreadLocalRandom.current().nextLong();
            byte[] answer;
            try {
                answer = primary.execute(key, new LeaseAcquire(token, leaseMillis, entryTtlMillis));
            } catch (NodeFailure e) {
                return Grant.NONE; // counted by the node; load without a lease
            }
            if (!Versioned.isLease(answer)) {
                return new Grant(answer, null, 0, Versioned.UNVERSIONED);
            }
            if (Versioned.leaseToken(answer) == token) {
                return new Grant(null, primary, token, Versioned.version(answer));
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            LockSupport.parkNanos(Math.min(pause, left));
            pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
        }
        return Grant.NONE;
    }

    /**
     * Ends a lease: caches {@code stored} on the holder if the lease still stands, or with null gives it back.
     *
     * @return whether the lease still stood (without one, whether the caller may write by version alone)
     */
    boolean end(Grant grant, Object key, byte[] stored, long ttlMillis) {
        if (grant.holder() == null) {
            return true;
        }
        try {
            return grant.holder().execute(key, new LeaseEnd(grant.token(), stored, ttlMillis, tombstoneTtlMillis));
        } catch (NodeFailure e) {
            return false; // counted by the node; the lease expires by itself
        }
    }
}
