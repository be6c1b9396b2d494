package io.ringroute.cache;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.LiveRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.ReplicaSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
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

    Replicas(LiveRing ring, int replicationFactor, Supplier<Map<String, NodeClient>> clients, WritePhases phases) {
        this.ring = ring;
        this.replicationFactor = replicationFactor;
        this.clients = clients;
        this.phases = phases;
    }

    /** The stored bytes (a value or a tombstone) from the first replica that has the key, or null. */
    byte[] read(Object key, long token) {
        ReplicaSet replicas = ring.ring().replicasForToken(token, replicationFactor);
        Map<String, NodeClient> nodes = clients.get();
        for (int i = 0; i < replicas.size(); i++) {
            NodeClient c = nodes.get(replicas.get(i).id());
            // c is null only when a removal completed between reading the ring and the node map
            if (c == null || !c.readable(key)) {
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
        ReplicaSet replicas = ring.ring().replicasForToken(CacheKeys.token(key), replicationFactor);
        Map<String, NodeClient> nodes = clients.get();
        byte[] newest = null;
        for (int i = 0; i < replicas.size(); i++) {
            NodeClient c = nodes.get(replicas.get(i).id());
            if (c == null || c.id().equals(except) || !c.readable(key)) {
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

    /** The stored bytes of the keys some replica has; one call per node and replica round, not per key. */
    Map<Object, byte[]> readAll(Collection<?> keys) {
        Set<Object> pending = new LinkedHashSet<>(keys);
        Map<Object, byte[]> found = new HashMap<>();
        HashRing r = ring.ring();
        Map<String, NodeClient> nodes = clients.get();
        for (int round = 0; round < replicationFactor && !pending.isEmpty(); round++) {
            Map<NodeClient, Set<Object>> batches = new LinkedHashMap<>();
            for (Object k : pending) {
                ReplicaSet replicas = r.replicasForToken(CacheKeys.token(k), replicationFactor);
                if (round < replicas.size()) {
                    NodeClient c = nodes.get(replicas.get(round).id());
                    if (c != null && c.readable(k)) {
                        batches.computeIfAbsent(c, x -> new LinkedHashSet<>()).add(k);
                    }
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

    /** Writes a value or tombstone to every replica (and the next ring's during a change). */
    void write(Object key, long token, byte[] stored, long ttlMillis) {
        WritePhase phase = phases.enter();
        try {
            ReplicaSet replicas = ring.ring().replicasForToken(token, replicationFactor);
            Map<String, NodeClient> nodes = clients.get();
            for (int i = 0; i < replicas.size(); i++) {
                write(nodes.get(replicas.get(i).id()), key, stored, ttlMillis);
            }
            if (phase.next != null) {
                ReplicaSet next = phase.next.replicasForToken(token, replicationFactor);
                for (int i = 0; i < next.size(); i++) {
                    if (!replicas.containsId(next.get(i).id())) {
                        write(nodes.get(next.get(i).id()), key, stored, ttlMillis);
                    }
                }
            }
            if (phase.deleted != null && Versioned.isTombstone(stored)) {
                phase.deleted.merge(CacheKeys.identity(key), stored,
                        (a, b) -> Versioned.version(a) >= Versioned.version(b) ? a : b);
            }
        } finally {
            phase.exit();
        }
    }

    private static void write(NodeClient c, Object key, byte[] stored, long ttlMillis) {
        if (c != null) { // null: removed after the ring was read; it no longer serves reads
            c.write(key, stored, ttlMillis);
        }
    }

    /** Writes many entries, batched per node; all with one TTL. */
    void writeAll(Map<?, byte[]> entries, long ttlMillis) {
        WritePhase phase = phases.enter();
        try {
            HashRing now = ring.ring();
            Map<String, NodeClient> nodes = clients.get();
            Map<NodeClient, Map<Object, byte[]>> batches = new LinkedHashMap<>();
            entries.forEach((k, v) -> {
                long token = CacheKeys.token(k);
                ReplicaSet replicas = now.replicasForToken(token, replicationFactor);
                for (Node n : replicas) {
                    batches.computeIfAbsent(nodes.get(n.id()), x -> new HashMap<>()).put(k, v);
                }
                if (phase.next != null) {
                    for (Node n : phase.next.replicasForToken(token, replicationFactor)) {
                        if (!replicas.containsId(n.id())) {
                            batches.computeIfAbsent(nodes.get(n.id()), x -> new HashMap<>()).put(k, v);
                        }
                    }
                }
            });
            batches.remove(null); // a node removed after the ring was read; it no longer serves reads
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
            ReplicaSet replicas = ring.ring().replicasForToken(token, replicationFactor);
            Map<String, NodeClient> nodes = clients.get();
            int decider = -1;
            for (int i = 0; i < replicas.size() && decider < 0; i++) {
                NodeClient c = nodes.get(replicas.get(i).id());
                if (c == null || !c.readable(key)) {
                    continue;
                }
                try {
                    byte[] present = c.putIfAbsent(key, stored, ttlMillis);
                    if (present != null) {
                        return present;
                    }
                    decider = i;
                } catch (NodeFailure e) {
                    // counted and recorded as missed by the node; the next replica decides
                }
            }
            for (int i = 0; i < replicas.size(); i++) {
                if (i != decider) {
                    write(nodes.get(replicas.get(i).id()), key, stored, ttlMillis);
                }
            }
            if (phase.next != null) {
                for (Node n : phase.next.replicasForToken(token, replicationFactor)) {
                    if (!replicas.containsId(n.id())) {
                        write(nodes.get(n.id()), key, stored, ttlMillis);
                    }
                }
            }
            return null;
        } finally {
            phase.exit();
        }
    }

    /** The node that decides for the key (its lease, its put-if-absent): the first replica it may be read from. */
    NodeClient primary(Object key, long token) {
        ReplicaSet replicas = ring.ring().replicasForToken(token, replicationFactor);
        Map<String, NodeClient> nodes = clients.get();
        for (int i = 0; i < replicas.size(); i++) {
            NodeClient c = nodes.get(replicas.get(i).id());
            if (c != null && c.readable(key)) {
                return c;
            }
        }
        return null;
    }
}
