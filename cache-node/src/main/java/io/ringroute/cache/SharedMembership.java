package io.ringroute.cache;

import io.ringroute.ring.HashRing;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one client process follow the membership every process shares ({@link MembershipRegistry}): at start it
 * adopts the newest record (or publishes its own node list if there is none), then follows each newer one, told by
 * the nodes' registry events and by polling every {@code poll}. A change made here takes the registry lock, catches
 * up, and publishes its PREPARE, COMMIT and STEADY records, waiting {@code 2 x poll} after the first two so that
 * every process that follows writes to both rings before the copy starts and before anyone stops writing the old
 * replicas.
 */
final class SharedMembership implements Rebalancer.Stages {

    private static final Logger LOG = LoggerFactory.getLogger(SharedMembership.class);

    /** What this follows for: the cluster client that owns it. */
    interface Follower {
        Map<String, NodeClient> clients();

        /** Moves to the record: connects its nodes, sets the read ring and the extra write ring. */
        void follow(MembershipRecord record);

        boolean closed();

        /** The lock membership changes and {@link #follow} hold, so following and changing never interleave. */
        Object lock();
    }

    private final String owner = "client-" + UUID.randomUUID();
    private final Follower follower;
    private final Duration poll;
    private final ScheduledExecutorService scheduler;
    private volatile long epoch;
    private volatile boolean changing;

    SharedMembership(Follower follower, Duration poll, ScheduledExecutorService scheduler) {
        this.follower = follower;
        this.poll = poll;
        this.scheduler = scheduler;
    }

    long epoch() {
        return epoch;
    }

    /** Adopts the newest record, or publishes {@code initial} as epoch 1 when the nodes hold none; then polls. */
    void start(HashRing initial) {
        Collection<NodeClient> nodes = follower.clients().values();
        MembershipRecord newest = MembershipRegistry.newest(nodes);
        if (newest == null) {
            MembershipRecord first = MembershipRecord.of(1, MembershipRecord.Stage.STEADY, initial, null);
            byte[] stored = first.encode();
            for (NodeClient n : nodes) {
                try {
                    n.registryWrite(MembershipRegistry.RING, stored, -1, true);
                } catch (NodeFailure e) {
                    // it gets the record with the next change, and others read it from the nodes that took it
                }
            }
            newest = MembershipRegistry.newest(nodes);
        }
        if (newest != null) {
            adopt(newest);
        }
        scheduler.scheduleWithFixedDelay(this::catchUp, poll.toMillis(), poll.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A node says its registry changed: catch up soon, off the event thread. */
    void poke() {
        if (!follower.closed()) {
            scheduler.execute(this::catchUp);
        }
    }

    /** Follows the newest record if it is newer than the one followed now. */
    void catchUp() {
        if (changing || follower.closed()) {
            return;
        }
        try {
            MembershipRecord newest = MembershipRegistry.newest(follower.clients().values());
            if (newest != null && newest.epoch() > epoch) {
                adopt(newest);
            }
        } catch (RuntimeException e) {
            LOG.debug("following the shared membership failed, retrying with the next poll: {}", e.toString());
        }
    }

    private void adopt(MembershipRecord record) {
        synchronized (follower.lock()) {
            if (record.epoch() > epoch) {
                follower.follow(record);
                epoch = record.epoch();
                LOG.debug("following membership epoch {} ({}, {} nodes)", record.epoch(), record.stage(),
                        record.nodes().size());
            }
        }
    }

    /** Runs a change made by this process: holds the lock, catches up first, publishes its stages. */
    <T> T change(Supplier<T> body) {
        MembershipRegistry.lock(owner, follower.clients().values());
        changing = true;
        try {
            MembershipRecord newest = MembershipRegistry.newest(follower.clients().values());
            if (newest != null) {
                adopt(newest);
            }
            return body.get();
        } finally {
            changing = false;
            MembershipRegistry.unlock(owner, follower.clients().values());
        }
    }

    @Override
    public void prepare(HashRing before, HashRing after) {
        publish(MembershipRecord.Stage.PREPARE, before, after);
        awaitFollowers();
    }

    @Override
    public void commit(HashRing before, HashRing after) {
        publish(MembershipRecord.Stage.COMMIT, after, before);
        awaitFollowers();
    }

    @Override
    public void settle(HashRing after) {
        publish(MembershipRecord.Stage.STEADY, after, null);
    }

    private void publish(MembershipRecord.Stage stage, HashRing reads, HashRing others) {
        long next = epoch + 1;
        MembershipRecord record = MembershipRecord.of(next, stage, reads, others);
        Map<String, NodeClient> all = new LinkedHashMap<>(follower.clients());
        MembershipRegistry.publish(record, all.values());
        epoch = next;
    }

    /** Every follower polls within {@code poll} (and is told at once by the registry events): wait twice that. */
    private void awaitFollowers() {
        try {
            Thread.sleep(2 * poll.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while other processes follow a membership change", e);
        }
    }
}
