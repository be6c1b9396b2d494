package io.ringroute.cache;

import io.ringroute.cache.wire.WireFormat;
import io.ringroute.cache.wire.RangeEntries;
import io.ringroute.cache.wire.RangeExport;
import io.ringroute.cache.wire.RangeImport;
import io.ringroute.cache.wire.TokenRangePredicate;
import io.ringroute.cache.wire.Versioned;
import io.ringroute.cache.wire.VersionedWrite;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.Pipelining;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import io.ringroute.ring.Node;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster client's link to one node: a Hazelcast client with bounded timeouts, the node's health (consecutive
 * failures, ejection, probing with backoff) and the keys it missed while it could not be written.
 *
 * <p>Missed keys: a write or delete that cannot reach the node (it is ejected, or the call fails) records the key.
 * Reads skip the node for a recorded key, and before the node rejoins, and periodically while it is up, the keys are
 * deleted from it. So a node that comes back with old data never serves a value that was overwritten or deleted
 * meanwhile. Past {@value MissedKeys#MAX_MISSED_KEYS} keys the node is emptied instead.
 */
final class NodeClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeClient.class);

    private final Node node;
    private final String address;
    private final ClientSettings settings;
    private final ScheduledExecutorService scheduler;
    private final Consumer<NodeEvent> events;

    private volatile HazelcastInstance client;
    private volatile String clientInstance;
    private volatile IMap<Object, byte[]> map;
    private volatile NodeState state = NodeState.EJECTED;
    private volatile boolean closed;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final MissedKeys missed = new MissedKeys();
    private final NodeCounters counters = new NodeCounters();
    private final Peers peers;
    private final SlowCalls slowCalls;
    private final EjectionBudget slowBudget;
    private volatile boolean ejectedForLatency;
    private volatile UUID memberId;
    private volatile long probeDelayMillis;
    private volatile Runnable registryListener;

    /** What a node client needs from the rest of the cluster to repair and refill its node. */
    interface Peers {
        /** The newest stored bytes of the key on another replica than {@code except}, or null. */
        byte[] newestElsewhere(Object key, String except);

        /** Copies the node's share of the ring to it from its peers (it restarted empty). */
        void refill(NodeClient node);
    }

    /** Without peers, for a one-off link to one node (tests of the range transfer): it repairs nothing from elsewhere. */
    NodeClient(Node node, ClientSettings settings, ScheduledExecutorService scheduler, Consumer<NodeEvent> events) {
        this(node, settings, scheduler, events, NO_PEERS, new EjectionBudget(() -> 1));
    }

    private static final Peers NO_PEERS = new Peers() {
        @Override
        public byte[] newestElsewhere(Object key, String except) {
            return null;
        }

        @Override
        public void refill(NodeClient node) {
            // nothing to refill from
        }
    };

    NodeClient(Node node, ClientSettings settings, ScheduledExecutorService scheduler, Consumer<NodeEvent> events,
               Peers peers, EjectionBudget slowBudget) {
        this.peers = peers;
        this.slowBudget = slowBudget;
        this.slowCalls = new SlowCalls(settings.slowCallThreshold(), settings.slowCalls(), settings.slowCallWindow());
        this.node = node;
        this.address = node.attribute(CacheCluster.ADDRESS).orElseThrow();
        this.settings = settings;
        this.scheduler = scheduler;
        this.events = events;
    }

    String id() {
        return node.id();
    }

    String address() {
        return address;
    }

    NodeState state() {
        return state;
    }

    /**
     * Connects and puts the node in the read path.
     *
     * @throws IllegalStateException naming the node and address when it cannot be reached in the connect timeout
     */
    void connect() {
        try {
            openClient();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot reach cache node '" + node.id() + "' at " + address + " within "
                    + settings.connectTimeout().toMillis() + " ms: " + e.getMessage(), e);
        }
        restarted();
        state = NodeState.UP;
    }

    /** Starts out of the read path and probes until the node answers (a degraded start). */
    void startEjected(String reason) {
        counters.ejection();
        events.accept(new NodeEvent(Instant.now(), node.id(), NodeEvent.Kind.EJECTED, reason));
        scheduleProbe(settings.probeInitial().toMillis());
    }

    // ---- data path --------------------------------------------------------------------------------------------

    /** True when a read of this key may go to this node. */
    boolean readable(Object key) {
        return state == NodeState.UP && missed.readable(key);
    }

    /**
     * The stored bytes ({@link Versioned} value or tombstone) or null.
     *
     * @throws NodeFailure after counting it, when the node or the network failed
     */
    byte[] get(Object key) {
        long start = System.nanoTime();
        try {
            byte[] stored = connectedMap().get(key);
            succeeded(false, start);
            counters.reads(Versioned.isLive(stored) ? 1 : 0, 1);
            return stored;
        } catch (RuntimeException e) {
            throw failed(e, start);
        }
    }

    Map<Object, byte[]> getAll(Set<Object> keys) {
        long start = System.nanoTime();
        try {
            Map<Object, byte[]> found = connectedMap().getAll(keys);
            succeeded(false, start);
            counters.reads(found.values().stream().filter(Versioned::isLive).count(), keys.size());
            return found;
        } catch (RuntimeException e) {
            throw failed(e, start);
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
            connectedMap().executeOnKey(key, new VersionedWrite(stored, ttlMillis, false));
            succeeded(true, start);
        } catch (RuntimeException e) {
            RuntimeException f = failed(e, start);
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
        if (state != NodeState.UP) {
            missed.recordAll(entries.keySet());
            if (state != NodeState.UP) {
                return entries.size();
            }
        }
        long start = System.nanoTime();
        try {
            IMap<Object, byte[]> m = connectedMap();
            Pipelining<byte[]> pipe = new Pipelining<>(64);
            for (Map.Entry<Object, byte[]> e : entries.entrySet()) {
                pipe.add(m.submitToKey(e.getKey(), new VersionedWrite(e.getValue(), ttlMillis, false)));
            }
            pipe.results();
            succeeded(true, start);
            return 0;
        } catch (RuntimeException | ExecutionException e) {
            missed.recordAll(entries.keySet());
            RuntimeException f = failed(e instanceof ExecutionException x && x.getCause() instanceof RuntimeException r
                    ? r : new NodeFailure(node.id(), e), start);
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
            byte[] present = connectedMap().executeOnKey(key, new VersionedWrite(stored, ttlMillis, true));
            succeeded(true, start);
            return present;
        } catch (RuntimeException e) {
            RuntimeException f = failed(e, start);
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
            R result = connectedMap().executeOnKey(key, task);
            succeeded(true, start);
            return result;
        } catch (RuntimeException e) {
            throw failed(e, start);
        }
    }

    /** False (with the key recorded as missed) while the node is out; rechecked after recording, see rejoin. */
    private boolean writable(Object key) {
        if (state == NodeState.UP) {
            return true;
        }
        missed.record(key);
        // The probe may have put the node back meanwhile; it repairs missed keys only after it flips to UP, so
        // writing now is safe and keeps the write.
        return state == NodeState.UP;
    }

    // ---- membership registry --------------------------------------------------------------------------------

    /**
     * An entry of the node's membership registry ({@link MembershipRegistry}), or null.
     *
     * @throws NodeFailure when the call fails (not counted against the node: the data path decides its health)
     */
    byte[] registryGet(String key) {
        try {
            return registry().get(key);
        } catch (RuntimeException e) {
            throw new NodeFailure(node.id(), e);
        }
    }

    /**
     * Writes a versioned registry entry if newer (or, with {@code ifAbsent}, only if none is there).
     *
     * @return what kept it out, or null when stored
     */
    byte[] registryWrite(String key, byte[] stored, long ttlMillis, boolean ifAbsent) {
        try {
            return registry().executeOnKey(key, new VersionedWrite(stored, ttlMillis, ifAbsent));
        } catch (RuntimeException e) {
            throw new NodeFailure(node.id(), e);
        }
    }

    void registryDelete(String key) {
        try {
            registry().delete(key);
        } catch (RuntimeException e) {
            throw new NodeFailure(node.id(), e);
        }
    }

    /** Calls {@code listener} whenever the node's registry changes, on a Hazelcast event thread; kept on reconnect. */
    void onRegistryChange(Runnable listener) {
        registryListener = listener;
        HazelcastInstance c = client;
        if (c != null) {
            listenTo(c);
        }
    }

    private void listenTo(HazelcastInstance c) {
        Runnable l = registryListener;
        if (l != null) {
            c.<Object, byte[]>getMap(MembershipRegistry.MAP_NAME).addEntryListener(new RegistryListener(l), false);
        }
    }

    private record RegistryListener(Runnable onChange)
            implements EntryAddedListener<Object, byte[]>, EntryUpdatedListener<Object, byte[]> {
        @Override
        public void entryAdded(EntryEvent<Object, byte[]> event) {
            onChange.run();
        }

        @Override
        public void entryUpdated(EntryEvent<Object, byte[]> event) {
            onChange.run();
        }
    }

    private IMap<Object, byte[]> registry() {
        return connectedClient().getMap(MembershipRegistry.MAP_NAME);
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
            connectedMap().removeAll(ranges);
            return true;
        } catch (RuntimeException e) {
            missed.dropFailed(ranges);
            RuntimeException f = failed(e, System.nanoTime());
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
            return connectedClient().getExecutorService(WireFormat.WARMING_EXECUTOR).submit(task)
                    .get(settings.transferTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            failed(new NodeFailure(node.id(), e), System.nanoTime());
            throw new IllegalStateException("transfer with cache node '" + node.id() + "' failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a transfer with cache node '" + node.id() + "'", e);
        }
    }

    // ---- health -----------------------------------------------------------------------------------------------

    private void succeeded(boolean write, long startNanos) {
        long now = System.nanoTime();
        long micros = counters.latency(write, (now - startNanos) / 1000);
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
        if (slowCalls.slow(now, micros)) {
            ejectSlow(micros);
        }
    }

    /**
     * Counts a failed call against the node, unless the caller's arguments were at fault.
     *
     * @return what to throw: the original exception for a caller error, else a {@link NodeFailure}
     */
    private RuntimeException failed(Exception e, long startNanos) {
        if (callerError(e)) {
            return (RuntimeException) e;
        }
        counters.error(NodeErrorKind.of(e));
        if (consecutiveFailures.incrementAndGet() >= settings.ejectAfter()) {
            eject(consecutiveFailures.get() + " consecutive failures, last: " + e, false);
        } else {
            long now = System.nanoTime();
            if (slowCalls.slow(now, (now - startNanos) / 1000)) {
                ejectSlow((now - startNanos) / 1000);
            }
        }
        return e instanceof NodeFailure f ? f : new NodeFailure(node.id(), e);
    }

    /** Bad arguments (a TTL or value the node refuses, a codec that cannot serialize), not a node in trouble. */
    static boolean callerError(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof HazelcastSerializationException
                || e instanceof NullPointerException || e instanceof ClassCastException;
    }

    private void ejectSlow(long lastMicros) {
        if (state != NodeState.UP || !slowBudget.tryAcquire()) {
            return; // too many nodes out for latency already: the slowness is more likely ours (load) than theirs
        }
        if (!eject(settings.slowCalls() + " calls over " + settings.slowCallThreshold().toMillis() + " ms within "
                + settings.slowCallWindow().toMillis() + " ms, last " + lastMicros / 1000 + " ms", true)) {
            slowBudget.release();
        }
    }

    /** Takes the node out of the read path and starts probing; false if it was out already. */
    private boolean eject(String reason, boolean forLatency) {
        synchronized (this) {
            if (state != NodeState.UP || closed) {
                return false;
            }
            state = NodeState.EJECTED;
            ejectedForLatency = forLatency;
        }
        counters.ejection();
        LOG.warn("cache node '{}' at {} ejected: {}", node.id(), address, reason);
        events.accept(new NodeEvent(Instant.now(), node.id(), NodeEvent.Kind.EJECTED, reason));
        scheduleProbe(settings.probeInitial().toMillis());
        return true;
    }

    private void scheduleProbe(long delayMillis) {
        probeDelayMillis = delayMillis;
        if (!closed) {
            scheduler.schedule(this::probe, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Reconnects if needed, asks the node for its size (in time: a node ejected as slow must answer within the
     * slow-call threshold), repairs the keys it missed from its peers, then puts it back. A node that restarted (a
     * new member) is refilled from its peers after it rejoins.
     */
    private void probe() {
        if (closed) {
            return;
        }
        try {
            HazelcastInstance c = client;
            if (c == null || !c.getLifecycleService().isRunning()) {
                if (c != null) {
                    c.shutdown();
                }
                openClient();
            }
            if (closed) {
                client.shutdown();
                return;
            }
            long start = System.nanoTime();
            connectedMap().size();
            long micros = (System.nanoTime() - start) / 1000;
            if (ejectedForLatency && micros > settings.slowCallThreshold().toNanos() / 1000) {
                throw new IllegalStateException("still slow: " + micros / 1000 + " ms");
            }
            boolean restarted = restarted();
            repair();
            synchronized (this) {
                if (closed) {
                    return;
                }
                consecutiveFailures.set(0);
                slowCalls.reset();
                state = NodeState.UP;
                if (ejectedForLatency) {
                    ejectedForLatency = false;
                    slowBudget.release();
                }
            }
            repair(); // keys recorded by writers that saw the node out just before it came back
            LOG.info("cache node '{}' at {} rejoined{}", node.id(), address, restarted ? " (restarted)" : "");
            events.accept(new NodeEvent(Instant.now(), node.id(), NodeEvent.Kind.REJOINED,
                    restarted ? "restarted" : ""));
            if (restarted) {
                peers.refill(this);
            }
        } catch (RuntimeException e) {
            long next = Math.min(probeDelayMillis * 2, settings.probeMax().toMillis());
            LOG.debug("probe of cache node '{}' failed, next in {} ms: {}", node.id(), next, e.toString());
            scheduleProbe(next);
        }
    }

    /** Whether the member behind the address is another one than at the last check (the node restarted). */
    private boolean restarted() {
        UUID now = connectedClient().getCluster().getMembers().iterator().next().getUuid();
        UUID before = memberId;
        memberId = now;
        return before != null && !before.equals(now);
    }

    /**
     * Brings the keys this node missed up to date from its peers (periodically while up, and before it rejoins):
     * the newest version another replica holds is written here if newer; a key no peer holds is deleted here. Then
     * retries failed range drops. Emptying the node instead when it missed too many keys.
     */
    void repair() {
        if (closed || client == null) {
            return;
        }
        missed.repair(connectedMap(), key -> peers.newestElsewhere(key, node.id()),
                settings.tombstoneTtl().toMillis(), counters::repaired);
    }

    /** Keeps the node out of all reads until {@link #repair()} has emptied it. */
    void requirePurge() {
        missed.requirePurge();
    }

    boolean hasMissedKeys() {
        return missed.any();
    }

    private void openClient() {
        HazelcastInstance c = HazelcastClient.newHazelcastClient(HazelcastClientConfig.of(node, address, settings));
        c.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.CLIENT_DISCONNECTED
                    || event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN) {
                if (client == c) {
                    eject("connection lost (" + event.getState() + ")", false);
                }
            }
        });
        map = c.getMap(WireFormat.MAP_NAME);
        client = c;
        clientInstance = c.getName();
        listenTo(c);
    }

    private IMap<Object, byte[]> connectedMap() {
        IMap<Object, byte[]> m = map;
        if (m == null) {
            throw new IllegalStateException("cache node '" + node.id() + "' at " + address + " is not connected");
        }
        return m;
    }

    private HazelcastInstance connectedClient() {
        HazelcastInstance c = client;
        if (c == null) {
            throw new IllegalStateException("cache node '" + node.id() + "' at " + address + " is not connected");
        }
        return c;
    }

    NodeStats stats() {
        return counters.stats(node.id(), state, clientInstance);
    }

    /** Calls to the node that succeeded since the client started, reads and writes: two volatile reads. */
    long calls() {
        return counters.calls();
    }

    /** Stops probing and repairs; {@link #close()} then disconnects. */
    void stop() {
        synchronized (this) {
            closed = true;
        }
    }

    @Override
    public void close() {
        stop();
        HazelcastInstance c = client;
        if (c != null) {
            c.shutdown();
        }
    }

    @Override
    public String toString() {
        return "NodeClient{" + node.id() + " at " + address + ", " + state + "}";
    }
}
