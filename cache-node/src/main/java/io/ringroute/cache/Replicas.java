package io.ringroute.cache;

import io.ringroute.cache.wire.CacheKeys;
import io.ringroute.cache.wire.Versioned;
import io.ringroute.ring.LiveRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.ReplicaTable;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

/**
 * Where a key's copies live and how to read and write all of them, in the {@link Versioned} form the nodes store.
 * Reads go to the primary and fall back along the replica list when a node misses, fails or may not serve the key;
 * a tombstone ends the search (the key was deleted). Writes go to every replica of the current ring, and during a
 * membership change to those of the next ring too; each node keeps the newest version it is sent.
 */
final class Replicas {

    private final LiveRing ring;
    private final int replicationFactor;
    private final Supplier<Map<String, NodeClient>> clients;
    private final WritePhases phases;
    private final ReplicaLoad load;
    /** The current ring with its node clients by ring position: swapped whole, read once per call. */
    private volatile ReplicaTable<NodeClient> table;

    Replicas(LiveRing ring, int replicationFactor, Supplier<Map<String, NodeClient>> clients, WritePhases phases) {
        this.ring = ring;
        this.replicationFactor = replicationFactor;
        this.clients = clients;
        this.phases = phases;
        this.load = new ReplicaLoad(clients);
        ring.addListener(change -> refresh());
    }

    /**
     * Rebuilds the replica table from the current ring and node clients; called after either changes. Every node of
     * the ring has a client by then: clients are added before the ring gains their node and closed after it loses it.
     */
    synchronized void refresh() {
        Map<String, NodeClient> nodes = clients.get();
        if (nodes != null) {
            table = ReplicaTable.of(ring.ring(), n -> nodes.get(n.id()));
        }
    }

    /**
     * The stored bytes (a value or a tombstone) from the first replica that has the key, or null. The search starts
     * at the primary, or with {@code spread} (a hot key) at the replica this client called least lately
     * ({@link ReplicaLoad}), and goes round the list from there, so a hot key's reads share out over all its
     * replicas. Every replica gets every write of every process, so it answers what the primary would.
     */
    byte[] read(Object key, long token, boolean spread) {
        ReplicaTable<NodeClient> t = table;
        int n = t.replicaCount(replicationFactor);
        int first = spread && n > 1 ? load.leastLoaded(t, token, n, key) : 0;
        for (int i = 0; i < n; i++) {
            NodeClient c = t.replica(token, first + i < n ? first + i : first + i - n);
            if (!c.readable(key)) {
                continue;
            }
            try {
                byte[] stored = c.get(key);
                if (stored != null) {
                    return stored;
                }
            } catch (NodeFailure e) {
                // counted by the node (and ejects it after repeated failures); try the next replica
            }
        }
        return null;
    }

    /** The newest stored bytes any replica other than {@code except} holds, or null: for re-replication. */
    byte[] newestElsewhere(Object key, String except) {
        ReplicaTable<NodeClient> t = table;
        long token = CacheKeys.token(key);
        byte[] newest = null;
        for (int k = 0, n = t.replicaCount(replicationFactor); k < n; k++) {
            NodeClient c = t.replica(token, k);
            if (c.id().equals(except) || !c.readable(key)) {
                continue;
            }
            try {
                byte[] stored = c.get(key);
                if (stored != null && (newest == null || Versioned.version(stored) > Versioned.version(newest))) {
                    newest = stored;
                }
            } catch (NodeFailure e) {
                // counted by the node; another replica may answer
            }
        }
        return newest;
    }

    /**
     * The stored bytes of the keys some replica has; one call per node and replica round, not per key. Keys whose
     * token {@code spread} accepts (hot keys; it is asked once per key) start their rounds at a replica drawn for
     * this call.
     */
    Map<Object, byte[]> readAll(Collection<?> keys, LongPredicate spread) {
        ReplicaTable<NodeClient> t = table;
        int n = t.replicaCount(replicationFactor);
        long draw = ThreadLocalRandom.current().nextLong();
        Map<Object, Integer> pending = new LinkedHashMap<>(); // key -> its first replica, decided once
        for (Object k : keys) {
            long token = CacheKeys.token(k);
            pending.put(k, spread.test(token) ? (int) Long.remainderUnsigned(token + draw, n) : 0);
        }
        Map<Object, byte[]> found = new HashMap<>();
        for (int round = 0; round < n && !pending.isEmpty(); round++) {
            Map<NodeClient, Set<Object>> batches = new LinkedHashMap<>();
            for (Map.Entry<Object, Integer> k : pending.entrySet()) {
                NodeClient c = t.replica(CacheKeys.token(k.getKey()), (k.getValue() + round) % n);
                if (c.readable(k.getKey())) {
                    batches.computeIfAbsent(c, x -> new LinkedHashSet<>()).add(k.getKey());
                }
            }
            for (Map.Entry<NodeClient, Set<Object>> batch : batches.entrySet()) {
                try {
                    for (Map.Entry<Object, byte[]> e : batch.getKey().getAll(batch.getValue()).entrySet()) {
                        found.put(e.getKey(), e.getValue());
                        pending.remove(e.getKey());
                    }
                } catch (NodeFailure e) {
                    // counted by the node; its keys try the next replica
                }
            }
        }
        return found;
    }

    /**
     * Writes a value or tombstone to every replica (and the next ring's during a change). The single-key calls ask
     * {@code replica(token, k)} per replica rather than {@code replicaPositions} once: that would take a new array per
     * call, and a second ask reads the index cell the first brought into the cache.
     */
    void write(Object key, long token, byte[] stored, long ttlMillis) {
        WritePhase phase = phases.enter();
        try {
            ReplicaTable<NodeClient> t = table;
            for (int k = 0, n = t.replicaCount(replicationFactor); k < n; k++) {
                t.replica(token, k).write(key, stored, ttlMillis);
            }
            if (phase.next != null) {
                forNextOnly(phase, t, token, c -> c.write(key, stored, ttlMillis));
            }
            if (phase.deleted != null && Versioned.isTombstone(stored)) {
                phase.deleted.merge(CacheKeys.identity(key), stored,
                        (a, b) -> Versioned.version(a) >= Versioned.version(b) ? a : b);
            }
        } finally {
            phase.exit();
        }
    }

    /** Writes many entries, batched per node; all with one TTL. */
    void writeAll(Map<?, byte[]> entries, long ttlMillis) {
        WritePhase phase = phases.enter();
        try {
            ReplicaTable<NodeClient> t = table;
            // each entry's token looked up once for all its replicas, into one array per call
            int[] at = new int[t.replicaCount(replicationFactor)];
            Map<NodeClient, Map<Object, byte[]>> batches = new LinkedHashMap<>();
            entries.forEach((key, v) -> {
                long token = CacheKeys.token(key);
                t.replicaPositions(token, replicationFactor, at);
                for (int position : at) {
                    batches.computeIfAbsent(t.valueAt(position), x -> new HashMap<>()).put(key, v);
                }
                if (phase.next != null) {
                    forNextOnly(phase, t, token, c -> batches.computeIfAbsent(c, x -> new HashMap<>()).put(key, v));
                }
            });
            batches.forEach((c, batch) -> c.writeAll(batch, ttlMillis));
        } finally {
            phase.exit();
        }
    }

    /**
     * Stores the value unless a live value (or a newer tombstone) is there. The primary, or the first reachable
     * replica, decides; the others follow only if it stored.
     *
     * @return what kept the value out (a value or a tombstone), or null if it was stored
     */
    byte[] putIfAbsent(Object key, long token, byte[] stored, long ttlMillis) {
        WritePhase phase = phases.enter();
        try {
            ReplicaTable<NodeClient> t = table;
            int n = t.replicaCount(replicationFactor);
            int decider = -1;
            for (int k = 0; k < n && decider < 0; k++) {
                NodeClient c = t.replica(token, k);
                if (!c.readable(key)) {
                    continue;
                }
                try {
                    byte[] present = c.putIfAbsent(key, stored, ttlMillis);
                    if (present != null) {
                        return present;
                    }
                    decider = k;
                } catch (NodeFailure e) {
                    // counted and recorded as missed by the node; the next replica decides
                }
            }
            for (int k = 0; k < n; k++) {
                if (k != decider) {
                    t.replica(token, k).write(key, stored, ttlMillis);
                }
            }
            if (phase.next != null) {
                forNextOnly(phase, t, token, c -> c.write(key, stored, ttlMillis));
            }
            return null;
        } finally {
            phase.exit();
        }
    }

    /** The node that decides for the key (its lease): the first replica it may be read from, or null. */
    NodeClient primary(Object key, long token) {
        ReplicaTable<NodeClient> t = table;
        for (int k = 0, n = t.replicaCount(replicationFactor); k < n; k++) {
            NodeClient c = t.replica(token, k);
            if (c.readable(key)) {
                return c;
            }
        }
        return null;
    }

    /** During a change: each replica of the token in the next ring that is not one in the current ring's table. */
    private void forNextOnly(WritePhase phase, ReplicaTable<NodeClient> t, long token, Consumer<NodeClient> action) {
        Map<String, NodeClient> nodes = clients.get();
        int n = t.replicaCount(replicationFactor);
        for (Node next : phase.next.replicasForToken(token, replicationFactor)) {
            NodeClient c = nodes.get(next.id());
            if (c != null && !isReplica(t, token, n, next.id())) { // null: removed meanwhile, serves no reads
                action.accept(c);
            }
        }
    }

    private static boolean isReplica(ReplicaTable<NodeClient> t, long token, int n, String id) {
        for (int k = 0; k < n; k++) {
            if (t.replica(token, k).id().equals(id)) {
                return true;
            }
        }
        return false;
    }
}
