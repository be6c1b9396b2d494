package io.ringroute.cache;

import io.ringroute.cache.wire.RangeEntries;
import io.ringroute.cache.wire.RangeExport;
import io.ringroute.cache.wire.RangeImport;
import io.ringroute.cache.wire.TokenRangePredicate;
import io.ringroute.cache.wire.Versioned;
import io.ringroute.cache.wire.VersionedWrite;
import com.hazelcast.core.Pipelining;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.ringroute.ring.Node;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster client's link to one node, as the rest of the client sees it: the data calls (each timed and reported to
 * the node's {@link NodeHealth}), the range transfers of a membership change, and the keys the node missed while it
 * could not be written ({@link MissedKeys}). The Hazelcast client itself is the {@link NodeConnection}'s.
 *
 * <p>Missed keys: a write or delete that cannot reach the node (it is ejected, or the call fails) records the key.
 * Reads skip the node for a recorded key, and before the node rejoins, and periodically while it is up, the keys are
 * repaired from its peers. So a node that comes back with old data never serves a value that was overwritten or
 * deleted meanwhile. Past {@value MissedKeys#MAX_MISSED_KEYS} keys the node is emptied instead.
 */
final class NodeClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeClient.class);

    private final Node node;
    private final String address;
    private final ClientSettings settings;
    private final Peers peers;
    private final MissedKeys missed = new MissedKeys();
    private final NodeCounters counters = new NodeCounters();
    private final NodeConnection connection;
    private final NodeHealth health;

    /** What a node client needs from the rest of the cluster to repair and refill its node. */
    interface Peers {
        /** The newest stored bytes of the key on another replica than {@code except}, or null. */
        byte[] newestElsewhere(Object key, String except);

        /** Copies the node's share of the ring to it from its peers (it restarted empty). */
        void refill(NodeClient node);
    }

    NodeClient(Node node, ClientSettings settings, ScheduledExecutorService scheduler, Consumer<NodeEvent> events,
               Peers peers, EjectionBudget slowBudget) {
        this.node = node;
        this.address = node.attribute(CacheCluster.ADDRESS).orElseThrow();
        this.settings = settings;
        this.peers = peers;
        this.connection = new NodeConnection(node, address, settings, this::connectionLost);
        this.health = new NodeHealth(node.id(), address, settings, scheduler, events, counters, slowBudget,
                connection, this::repair, () -> peers.refill(this));
    }

    private void connectionLost(String reason) {
        health.lost(reason);
    }

    String id() {
        return node.id();
    }

    String address() {
        return address;
    }

    NodeState state() {
        return health.state();
    }

    /**
     * Connects and puts the node in the read path.
     *
     * @throws IllegalStateException naming the node and address when it cannot be reached in the connect timeout
     */
    void connect() {
        try {
            connection.open();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot reach cache node '" + node.id() + "' at " + address + " within "
                    + settings.connectTimeout().toMillis() + " ms: " + e.getMessage(), e);
        }
        connection.restarted(); // notes the member, to tell a restart later
        health.connected();
    }

    /** Starts out of the read path and probes until the node answers (a degraded start). */
    void startEjected(String reason) {
        health.startEjected(reason);
    }

    // ---- data path --------------------------------------------------------------------------------------------

    /** True when a read of this key may go to this node. */
    boolean readable(Object key) {
        return health.up() && missed.readable(key);
    }

    /**
     * The stored bytes ({@link Versioned} value or tombstone) or null.
     *
     * @throws NodeFailure after counting it, when the node or the network failed
     */
    byte[] get(Object key) {
        long start = System.nanoTime();
        try {
            byte[] stored = connection.map().get(key);
            health.succeeded(false, start);
            counters.reads(Versioned.isLive(stored) ? 1 : 0, 1);
            return stored;
        } catch (RuntimeException e) {
            throw health.failed(e, start);
        }
    }

    Map<Object, byte[]> getAll(Set<Object> keys) {
        long start = System.nanoTime();
        try {
            Map<Object, byte[]> found = connection.map().getAll(keys);
            health.succeeded(false, start);
            counters.reads(found.values().stream().filter(Versioned::isLive).count(), keys.size());
            return found;
        } catch (RuntimeException e) {
            throw health.failed(e, start);
        }
    }

    /**
     * Stores a versioned value or tombstone if it is newer than the node's ({@link VersionedWrite}); a negative TTL
     * means the node's default. A node failure is not thrown: the key is recorded as missed instead.
     *
     * @throws IllegalArgumentException when the node rejects the arguments (not counted against the node)
     */
    void write(Object key, byte[] stored, long ttlMillis) {
        if (!writable(key)) {
            return;
        }
        long start = System.nanoTime();
        try {
            connection.map().executeOnKey(key, new VersionedWrite(stored, ttlMillis, false));
            health.succeeded(true, start);
        } catch (RuntimeException e) {
            RuntimeException f = health.failed(e, start);
            if (!(f instanceof NodeFailure)) {
                throw f;
            }
            missed.record(key);
        }
    }

    /**
     * Stores many versioned entries, pipelined, each only if newer. Never throws for a node failure: the keys that
     * could not be written are recorded as missed.
     *
     * @return how many entries could not be written
     */
    int writeAll(Map<Object, byte[]> entries, long ttlMillis) {
        if (!health.up()) {
            missed.recordAll(entries.keySet());
            if (!health.up()) {
                return entries.size();
            }
        }
        long start = System.nanoTime();
        try {
            IMap<Object, byte[]> m = connection.map();
            Pipelining<byte[]> pipe = new Pipelining<>(64);
            for (Map.Entry<Object, byte[]> e : entries.entrySet()) {
                pipe.add(m.submitToKey(e.getKey(), new VersionedWrite(e.getValue(), ttlMillis, false)));
            }
            pipe.results();
            health.succeeded(true, start);
            return 0;
        } catch (RuntimeException | ExecutionException e) {
            missed.recordAll(entries.keySet());
            RuntimeException f = health.failed(e instanceof ExecutionException x
                    && x.getCause() instanceof RuntimeException r ? r : new NodeFailure(node.id(), e), start);
            if (!(f instanceof NodeFailure)) {
                throw f;
            }
            return entries.size();
        } catch (InterruptedException e) {
            missed.recordAll(entries.keySet());
            Thread.currentThread().interrupt();
            return entries.size();
        }
    }

    /**
     * Stores the value unless a live value, or a tombstone as new or newer, is there.
     *
     * @return what kept it out, or null when stored
     * @throws NodeFailure after counting it and recording the key as missed
     */
    byte[] putIfAbsent(Object key, byte[] stored, long ttlMillis) {
        long start = System.nanoTime();
        try {
            byte[] present = connection.map().executeOnKey(key, new VersionedWrite(stored, ttlMillis, true));
            health.succeeded(true, start);
            return present;
        } catch (RuntimeException e) {
            RuntimeException f = health.failed(e, start);
            if (f instanceof NodeFailure) {
                missed.record(key);
            }
            throw f;
        }
    }

    /**
     * Runs an entry processor on the key (a lease's, {@link Leases}), timed as a write.
     *
     * @throws NodeFailure after counting it, when the node or the network failed
     */
    <R> R execute(Object key, EntryProcessor<Object, byte[], R> task) {
        long start = System.nanoTime();
        try {
            R result = connection.map().executeOnKey(key, task);
            health.succeeded(true, start);
            return result;
        } catch (RuntimeException e) {
            throw health.failed(e, start);
        }
    }

    /** False (with the key recorded as missed) while the node is out; rechecked after recording, see rejoin. */
    private boolean writable(Object key) {
        if (health.up()) {
            return true;
        }
        missed.record(key);
        // The probe may have put the node back meanwhile; it repairs missed keys only after it flips to UP, so
        // writing now is safe and keeps the write.
        return health.up();
    }

    // ---- membership registry (not charged to the node's health) ---------------------------------------------

    /** See {@link NodeConnection#registryGet}. */
    byte[] registryGet(String key) {
        return connection.registryGet(key);
    }

    /** See {@link NodeConnection#registryWrite}. */
    byte[] registryWrite(String key, byte[] stored, long ttlMillis, boolean ifAbsent) {
        return connection.registryWrite(key, stored, ttlMillis, ifAbsent);
    }

    void registryDelete(String key) {
        connection.registryDelete(key);
    }

    /** Calls {@code listener} whenever the node's registry changes, on a Hazelcast event thread; kept on reconnect. */
    void onRegistryChange(Runnable listener) {
        connection.onRegistryChange(listener);
    }

    // ---- warming ----------------------------------------------------------------------------------------------

    /** The entries of the given ranges on this node, with their remaining TTLs (one call, run on the member). */
    RangeEntries export(TokenRangePredicate ranges) {
        return missed.withoutMissed(submit(new RangeExport(ranges)));
    }

    /** Stores exported entries unless present (one call, run on the member); returns how many it stored. */
    int importEntries(RangeEntries entries) {
        int stored = submit(new RangeImport(entries));
        counters.movedIn(stored);
        return stored;
    }

    /**
     * Deletes every entry in the given ranges (server-side). A failure is kept and retried with every
     * {@link #repair} (before the node rejoins, and periodically while it is up) until it succeeds.
     *
     * @return whether the drop succeeded now
     */
    boolean dropRanges(TokenRangePredicate ranges) {
        try {
            connection.map().removeAll(ranges);
            return true;
        } catch (RuntimeException e) {
            missed.dropFailed(ranges);
            RuntimeException f = health.failed(e, System.nanoTime());
            LOG.warn("cache node '{}': dropping ranges it no longer owns failed, retrying: {}", node.id(),
                    f.getMessage());
            return false;
        }
    }

    /** Ranges whose drop failed and is still to be retried. */
    int pendingDrops() {
        return missed.pendingDrops();
    }

    private <T> T submit(Callable<T> task) {
        try {
            return connection.submit(task);
        } catch (ExecutionException | TimeoutException e) {
            health.failed(new NodeFailure(node.id(), e), System.nanoTime());
            throw new IllegalStateException("transfer with cache node '" + node.id() + "' failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a transfer with cache node '" + node.id() + "'", e);
        }
    }

    // ---- repair -----------------------------------------------------------------------------------------------

    /**
     * Brings the keys this node missed up to date from its peers (periodically while up, and before it rejoins):
     * the newest version another replica holds is written here if newer; a key no peer holds is deleted here. Then
     * retries failed range drops. Emptying the node instead when it missed too many keys.
     */
    void repair() {
        if (health.closed() || !connection.opened()) {
            return;
        }
        missed.repair(connection.map(), key -> peers.newestElsewhere(key, node.id()),
                settings.tombstoneTtl().toMillis(), counters::repaired);
    }

    /** Keeps the node out of all reads until {@link #repair()} has emptied it. */
    void requirePurge() {
        missed.requirePurge();
    }

    boolean hasMissedKeys() {
        return missed.any();
    }

    NodeStats stats() {
        return counters.stats(node.id(), health.state(), connection.instanceName());
    }

    /** Calls to the node that succeeded since the client started, reads and writes: two volatile reads. */
    long calls() {
        return counters.calls();
    }

    /** Stops probing and repairs; {@link #close()} then disconnects. */
    void stop() {
        health.stop();
    }

    @Override
    public void close() {
        stop();
        connection.close();
    }

    @Override
    public String toString() {
        return "NodeClient{" + node.id() + " at " + address + ", " + health.state() + "}";
    }
}
