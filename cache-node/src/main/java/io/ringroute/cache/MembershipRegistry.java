package io.ringroute.cache;

import io.ringroute.cache.wire.Versioned;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The shared membership, kept on the cache nodes themselves: every node holds a small registry map with the newest
 * {@link MembershipRecord} it was sent and the lock of a change in progress. Clients write a record to every node
 * they reach (each keeps it only if its epoch is newer) and read the highest epoch any node holds; so the record
 * survives any node's loss, and a process that starts, restarts or was cut off catches up from whichever nodes it
 * reaches.
 *
 * <p>One process changes the membership at a time: a change holds a lease on a majority of the current nodes
 * ({@link #lock}); a crashed changer's lease expires after {@link #LEASE}.
 */
final class MembershipRegistry {

    static final String MAP_NAME = "ringroute-membership";
    static final String RING = "ring";
    static final String LOCK = "lock";
    /** How long a change's lock outlives a process that died holding it. */
    static final Duration LEASE = Duration.ofMinutes(2);

    private MembershipRegistry() {
    }

    /** The record with the highest epoch among the nodes that answer, or null when none holds one. */
    static MembershipRecord newest(Collection<NodeClient> nodes) {
        byte[] best = null;
        for (NodeClient n : nodes) {
            try {
                byte[] stored = n.registryGet(RING);
                if (stored != null && (best == null || Versioned.version(stored) > Versioned.version(best))) {
                    best = stored;
                }
            } catch (NodeFailure e) {
                // another node answers, or the next poll does
            }
        }
        return best == null ? null : MembershipRecord.decode(best);
    }

    /**
     * Writes the record to every node that answers.
     *
     * @throws IllegalStateException when none does
     */
    static void publish(MembershipRecord record, Collection<NodeClient> nodes) {
        byte[] stored = record.encode();
        int written = 0;
        List<String> failed = new ArrayList<>();
        for (NodeClient n : nodes) {
            try {
                n.registryWrite(RING, stored, -1, false);
                written++;
            } catch (NodeFailure e) {
                failed.add(n.id());
            }
        }
        if (written == 0) {
            throw new IllegalStateException("membership epoch " + record.epoch() + " reached no node (failed: "
                    + failed + ")");
        }
    }

    /**
     * Takes the change lock on a majority of the nodes for {@code owner}.
     *
     * @throws IllegalStateException naming the holder when another process holds it, or when too few nodes answer
     */
    static void lock(String owner, Collection<NodeClient> nodes) {
        byte[] mine = Versioned.value(0, owner.getBytes(StandardCharsets.UTF_8));
        List<NodeClient> held = new ArrayList<>();
        String other = null;
        for (NodeClient n : nodes) {
            try {
                byte[] present = n.registryWrite(LOCK, mine, LEASE.toMillis(), true);
                if (present == null || new String(Versioned.payload(present), StandardCharsets.UTF_8).equals(owner)) {
                    held.add(n);
                } else {
                    other = new String(Versioned.payload(present), StandardCharsets.UTF_8);
                }
            } catch (NodeFailure e) {
                // counts as not held
            }
        }
        if (held.size() * 2 <= nodes.size()) {
            unlock(owner, held);
            throw new IllegalStateException("another membership change is running" + (other == null ? ""
                    : " (held by " + other + ")") + " or too few nodes answer: locked " + held.size() + " of "
                    + nodes.size() + "; try again later");
        }
    }

    /** Releases the lock on the nodes where {@code owner} holds it. */
    static void unlock(String owner, Collection<NodeClient> nodes) {
        for (NodeClient n : nodes) {
            try {
                byte[] present = n.registryGet(LOCK);
                if (present != null && new String(Versioned.payload(present), StandardCharsets.UTF_8).equals(owner)) {
                    n.registryDelete(LOCK);
                }
            } catch (NodeFailure e) {
                // its lease expires
            }
        }
    }
}
