package io.ringroute.cache;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.ClientConnectionStrategyConfig;
import com.hazelcast.client.config.RoutingMode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.Pipelining;
import com.hazelcast.map.IMap;
import io.ringroute.ring.Node;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster client's link to one node: a Hazelcast client with bounded timeouts, the node's health (consecutive
 * failures, ejection, probing with backoff) and the keys it missed while it could not be written.
 *
 * <p>Missed keys: a write or delete that cannot reach the node (it is ejected, or the call fails) records the key.
 * Reads skip the node for a recorded key, and before the node rejoins, and periodically while it is up, the keys are
 * deleted from it. So a node that comes back with old data never serves a value that was overwritten or deleted
 * meanwhile. Past {@value #MAX_MISSED_KEYS} keys the node is emptied instead.
 */
final class NodeClient implements AutoCloseable {

    static final long MAX_LATENCY_MICROS = 60_000_000L;
    static final int LATENCY_DIGITS = 2;
    static final int MAX_MISSED_KEYS = 100_000;

    private static final Logger LOG = LoggerFactory.getLogger(NodeClient.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Node node;
    private final String address;
    private final ClientSettings settings;
    private final ScheduledExecutorService scheduler;
    private final Consumer<NodeEvent> events;

    private volatile HazelcastInstance client;
    private volatile IMap<Object, byte[]> map;
    private volatile NodeState state = NodeState.EJECTED;
    private volatile boolean purgeAll;
    private volatile boolean closed;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final Set<Object> missed = ConcurrentHashMap.newKeySet();
    private volatile long probeDelayMillis;

    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder ejections = new LongAdder();
    final LongAdder movedIn = new LongAdder();
    private final Histogram readLatency = new ConcurrentHistogram(MAX_LATENCY_MICROS, LATENCY_DIGITS);
    private final Histogram writeLatency = new ConcurrentHistogram(MAX_LATENCY_MICROS, LATENCY_DIGITS);

    NodeClient(Node node, ClientSettings settings, ScheduledExecutorService scheduler, Consumer<NodeEvent> events) {
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
        state = NodeState.UP;
    }

    /** Starts out of the read path and probes until the node answers (a degraded start). */
    void startEjected(String reason) {
        ejections.increment();
        events.accept(new NodeEvent(Instant.now(), node.id(), NodeEvent.Kind.EJECTED, reason));
        scheduleProbe(settings.probeInitial().toMillis());
    }

    // ---- data path --------------------------------------------------------------------------------------------

    /** True when a read of this key may go to this node. */
    boolean readable(Object key) {
        return state == NodeState.UP && !purgeAll && (missed.isEmpty() || !missed.contains(CacheKeys.identity(key)));
    }

    /** The stored value or null; throws (after counting the failure) when the call fails. */
    byte[] get(Object key) {
        long start = System.nanoTime();
        try {
            byte[] value = connectedMap().get(key);
            succeeded(readLatency, start);
            (value == null ? misses : hits).increment();
            return value;
        } catch (RuntimeException e) {
            failed(e);
            throw e;
        }
    }

    Map<Object, byte[]> getAll(Set<Object> keys) {
        long start = System.nanoTime();
        try {
            Map<Object, byte[]> found = connectedMap().getAll(keys);
            succeeded(readLatency, start);
            hits.add(found.size());
            misses.add(keys.size() - found.size());
            return found;
        } catch (RuntimeException e) {
            failed(e);
            throw e;
        }
    }

    /** Stores a value; a negative TTL means the node's default. Never throws: a failed write is a missed key. */
    void set(Object key, byte[] value, long ttlMillis) {
        if (!writable(key)) {
            return;
        }
        long start = System.nanoTime();
        try {
            if (ttlMillis < 0) {
                connectedMap().set(key, value);
            } else {
                connectedMap().set(key, value, ttlMillis, TimeUnit.MILLISECONDS);
            }
            succeeded(writeLatency, start);
        } catch (RuntimeException e) {
            missed(key);
            failed(e);
        }
    }

    /**
     * Stores many values: with the node's default TTL (negative {@code ttlMillis}) in one call, else pipelined with
     * that TTL (a batch call carries none). Never throws: a failed batch is missed keys.
     */
    void setAll(Map<Object, byte[]> entries, long ttlMillis) {
        if (state != NodeState.UP) {
            entries.keySet().forEach(this::missed);
            if (state != NodeState.UP) {
                return;
            }
        }
        long start = System.nanoTime();
        try {
            IMap<Object, byte[]> m = connectedMap();
            if (ttlMillis < 0) {
                m.putAll(entries);
            } else {
                Pipelining<Void> pipe = new Pipelining<>(64);
                for (Map.Entry<Object, byte[]> e : entries.entrySet()) {
                    pipe.add(m.setAsync(e.getKey(), e.getValue(), ttlMillis, TimeUnit.MILLISECONDS));
                }
                pipe.results();
            }
            succeeded(writeLatency, start);
        } catch (RuntimeException | ExecutionException e) {
            entries.keySet().forEach(this::missed);
            failed(e);
        } catch (InterruptedException e) {
            entries.keySet().forEach(this::missed);
            Thread.currentThread().interrupt();
        }
    }

    /** Stores the value unless the key is present; returns the present value. Throws when the call fails. */
    byte[] putIfAbsent(Object key, byte[] value, long ttlMillis) {
        long start = System.nanoTime();
        try {
            byte[] present = ttlMillis < 0 ? connectedMap().putIfAbsent(key, value)
                    : connectedMap().putIfAbsent(key, value, ttlMillis, TimeUnit.MILLISECONDS);
            succeeded(writeLatency, start);
            return present;
        } catch (RuntimeException e) {
            missed(key);
            failed(e);
            throw e;
        }
    }

    /** Deletes a key. Never throws: a delete that cannot reach the node is a missed key, retried before reads. */
    void delete(Object key) {
        if (!writable(key)) {
            return;
        }
        long start = System.nanoTime();
        try {
            connectedMap().delete(key);
            succeeded(writeLatency, start);
        } catch (RuntimeException e) {
            missed(key);
            failed(e);
        }
    }

    /** False (with the key recorded as missed) while the node is out; rechecked after recording, see rejoin. */
    private boolean writable(Object key) {
        if (state == NodeState.UP) {
            return true;
        }
        missed(key);
        // The probe may have put the node back meanwhile; it deletes missed keys only after it flips to UP, so
        // writing now is safe and keeps the write.
        return state == NodeState.UP;
    }

    private void missed(Object key) {
        if (missed.size() >= MAX_MISSED_KEYS) {
            purgeAll = true;
            missed.clear();
        }
        missed.add(CacheKeys.identity(key));
    }

    // ---- warming ----------------------------------------------------------------------------------------------

    /** The entries of the given ranges on this node, with their remaining TTLs (one call, run on the member). */
    RangeEntries export(TokenRangePredicate ranges) {
        RangeEntries all = submit(new RangeExport(ranges));
        if (missed.isEmpty() && !purgeAll) {
            return all;
        }
        return withoutMissedKeys(all);
    }

    /** Stores exported entries unless present (one call, run on the member); returns how many it stored. */
    int importEntries(RangeEntries entries) {
        int stored = submit(new RangeImport(entries));
        movedIn.add(stored);
        return stored;
    }

    /** Deletes every entry in the given ranges (server-side). */
    void removeRanges(TokenRangePredicate ranges) {
        connectedMap().removeAll(ranges);
    }

    /** Deletes the given keys, pipelined; best effort (a failure leaves them to expire or be evicted). */
    void deleteAll(Set<Object> identities) {
        try {
            Pipelining<Boolean> pipe = new Pipelining<>(64);
            IMap<Object, byte[]> m = connectedMap();
            for (Object id : identities) {
                pipe.add(m.deleteAsync(CacheKeys.stored(id)));
            }
            pipe.results();
        } catch (RuntimeException | ExecutionException e) {
            failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private RangeEntries withoutMissedKeys(RangeEntries all) {
        if (purgeAll) {
            return new RangeEntries(new Object[0], new byte[0][], new long[0]);
        }
        int n = 0;
        Object[] keys = new Object[all.size()];
        byte[][] values = new byte[all.size()][];
        long[] ttl = new long[all.size()];
        for (int i = 0; i < all.size(); i++) {
            if (!missed.contains(CacheKeys.identity(all.keys[i]))) {
                keys[n] = all.keys[i];
                values[n] = all.values[i];
                ttl[n++] = all.ttlMillis[i];
            }
        }
        return new RangeEntries(Arrays.copyOf(keys, n), Arrays.copyOf(values, n),
                Arrays.copyOf(ttl, n));
    }

    private <T> T submit(Callable<T> task) {
        try {
            return connectedClient().getExecutorService(CacheNode.WARMING_EXECUTOR).submit(task)
                    .get(settings.transferTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            failed(e);
            throw new IllegalStateException("transfer with cache node '" + node.id() + "' failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a transfer with cache node '" + node.id() + "'", e);
        }
    }

    // ---- health -----------------------------------------------------------------------------------------------

    private void succeeded(Histogram latency, long startNanos) {
        latency.recordValue(Math.min((System.nanoTime() - startNanos) / 1000, MAX_LATENCY_MICROS));
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
    }

    private void failed(Exception e) {
        errors.increment();
        if (consecutiveFailures.incrementAndGet() >= settings.ejectAfter()) {
            eject(consecutiveFailures.get() + " consecutive failures, last: " + e);
        }
    }

    private void eject(String reason) {
        synchronized (this) {
            if (state != NodeState.UP || closed) {
                return;
            }
            state = NodeState.EJECTED;
        }
        ejections.increment();
        LOG.warn("cache node '{}' at {} ejected: {}", node.id(), address, reason);
        events.accept(new NodeEvent(Instant.now(), node.id(), NodeEvent.Kind.EJECTED, reason));
        scheduleProbe(settings.probeInitial().toMillis());
    }

    private void scheduleProbe(long delayMillis) {
        probeDelayMillis = delayMillis;
        if (!closed) {
            scheduler.schedule(this::probe, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Reconnects if needed, asks the node for its size, deletes the keys it missed, then puts it back. */
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
            connectedMap().size();
            repair();
            synchronized (this) {
                if (closed) {
                    return;
                }
                consecutiveFailures.set(0);
                state = NodeState.UP;
            }
            repair(); // keys recorded by writers that saw the node out just before it came back
            LOG.info("cache node '{}' at {} rejoined", node.id(), address);
            events.accept(new NodeEvent(Instant.now(), node.id(), NodeEvent.Kind.REJOINED, ""));
        } catch (RuntimeException e) {
            long next = Math.min(probeDelayMillis * 2, settings.probeMax().toMillis());
            LOG.debug("probe of cache node '{}' failed, next in {} ms: {}", node.id(), next, e.toString());
            scheduleProbe(next);
        }
    }

    /** The number of entries the node holds (one call). */
    int size() {
        return connectedMap().size();
    }

    /** Deletes the keys this node missed; periodically while up, and before it rejoins. */
    void repair() {
        if (closed || client == null) {
            return;
        }
        if (purgeAll) {
            missed.clear(); // track again from here; the clear below covers everything missed before
            connectedMap().clear();
            purgeAll = false;
            return;
        }
        if (missed.isEmpty()) {
            return;
        }
        IMap<Object, byte[]> m = connectedMap();
        for (Object id : missed) {
            m.delete(CacheKeys.stored(id)); // delete first: the key stays unreadable here until gone
            missed.remove(id);
        }
    }

    /** Keeps the node out of all reads until {@link #repair()} has emptied it. */
    void requirePurge() {
        purgeAll = true;
    }

    boolean hasMissedKeys() {
        return purgeAll || !missed.isEmpty();
    }

    private void openClient() {
        HazelcastInstance c = HazelcastClient.newHazelcastClient(clientConfig());
        c.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.CLIENT_DISCONNECTED
                    || event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN) {
                if (client == c) {
                    eject("connection lost (" + event.getState() + ")");
                }
            }
        });
        map = c.getMap(CacheNode.MAP_NAME);
        client = c;
    }

    private ClientConfig clientConfig() {
        ClientConfig cc = new ClientConfig();
        cc.setClusterName(settings.secret().clusterName(node.id()));
        cc.setInstanceName("ringroute-cache-" + node.id() + "-" + INSTANCES.incrementAndGet());
        cc.getNetworkConfig().addAddress(address)
                .setConnectionTimeout((int) settings.connectTimeout().toMillis());
        cc.getNetworkConfig().getClusterRoutingConfig().setRoutingMode(RoutingMode.SINGLE_MEMBER);
        cc.getNetworkConfig().getAutoDetectionConfig().setEnabled(false);
        ClientConnectionStrategyConfig strategy = cc.getConnectionStrategyConfig();
        strategy.setAsyncStart(false);
        // A lost connection shuts the client down at once, failing pending calls; our probe reconnects.
        strategy.setReconnectMode(ClientConnectionStrategyConfig.ReconnectMode.OFF);
        strategy.getConnectionRetryConfig()
                .setClusterConnectTimeoutMillis(settings.connectTimeout().toMillis())
                .setInitialBackoffMillis(100)
                .setMaxBackoffMillis(500);
        long callMillis = settings.callTimeout().toMillis();
        // Hazelcast has no per-call timeout for a call already sent (its invocation timeout only ends retries), and
        // its async calls cost twice the latency of sync ones here. So calls stay sync, and the heartbeat bounds
        // them: a member silent for the call timeout loses its connection, which fails every call waiting on it.
        cc.setProperty("hazelcast.client.invocation.timeout.seconds",
                Long.toString(Math.max(1, (callMillis + 999) / 1000)));
        cc.setProperty("hazelcast.client.invocation.retry.pause.millis", "100");
        cc.setProperty("hazelcast.client.heartbeat.interval", Long.toString(Math.max(100, callMillis / 4)));
        cc.setProperty("hazelcast.client.heartbeat.timeout", Long.toString(callMillis));
        cc.setProperty("hazelcast.client.shutdownhook.enabled", "false");
        cc.setProperty("hazelcast.phone.home.enabled", "false");
        cc.setProperty("hazelcast.logging.type", "slf4j");
        if (settings.secret().isSet()) {
            cc.setProperty("hazelcast.logging.details.enabled", "false"); // log lines would show the cluster name
        }
        settings.clientProperties().forEach(cc::setProperty);
        WireFormat.configure(cc.getSerializationConfig());
        return cc;
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
        return new NodeStats(node.id(), state, hits.sum(), misses.sum(), errors.sum(), ejections.sum(),
                movedIn.sum(), readLatency.copy(), writeLatency.copy());
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
