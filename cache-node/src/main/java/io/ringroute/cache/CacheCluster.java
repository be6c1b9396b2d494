package io.ringroute.cache;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.TokenLayout;
import io.ringroute.ring.KeyHash;
import io.ringroute.ring.LiveRing;
import io.ringroute.ring.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client for a cluster of {@link CacheNode}s, routed by a consistent-hash ring.
 *
 * <p>Each key lives on the first {@code R} distinct nodes clockwise from its token ({@link KeyHash}), primary
 * first. Writes go to all R replicas; reads go to the primary and fall back along the replica list when a node
 * misses, fails or is ejected; deletes reach every replica, and a replica a write or delete could not reach keeps
 * the key out of its reads until the key is deleted there. Node failures never reach the caller: a read that no
 * replica can answer is a miss, a write that no replica takes is dropped (and counted).
 *
 * <p>Nodes can be added, removed and re-weighted at runtime; the entries whose owners change are copied to the new
 * owners before reads move there ({@link Warming}). Build with {@link #builder()}; thread-safe.
 *
 * @param <V> the value type, stored through a {@link ValueCodec}
 */
public final class CacheCluster<V> implements AutoCloseable {

    /** The node attribute that holds a node's {@code host:port}. */
    public static final String ADDRESS = "address";

    private static final Logger LOG = LoggerFactory.getLogger(CacheCluster.class);
    private static final Duration MAX_TTL = Duration.ofSeconds(Integer.MAX_VALUE);

    private final LiveRing ring;
    private final int replicationFactor;
    private final ValueCodec<V> codec;
    private final int maxValueBytes;
    private final ClientSettings settings;
    private final ScheduledExecutorService scheduler;
    private final List<CacheClusterListener> listeners;
    private final WritePhases phases = new WritePhases();
    private final Rebalancer rebalancer;
    private final SingleFlight<V> loads = new SingleFlight<>();
    private final Replicas replicas;
    private final Leases leases;
    private final HybridClock clock = HybridClock.system();
    private final long tombstoneTtlMillis;
    private final EjectionBudget slowBudget = new EjectionBudget(this::nodeCount);
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder decodeErrors = new LongAdder();
    private volatile boolean closed;
    private final int vnodesPerNode;
    /** Null unless the membership is shared with other processes through the nodes. */
    private final SharedMembership shared;
    private final Object membership = new Object();
    /**
     * Copy-on-write, read on every call; holds every node of the current ring, and during a change those of the
     * next one too.
     */
    private volatile Map<String, NodeClient> clients;

    private CacheCluster(Builder<V> b, HashRing initial, ScheduledExecutorService scheduler) {
        this.ring = new LiveRing(initial);
        this.replicationFactor = b.replicationFactor;
        this.codec = b.codec;
        this.maxValueBytes = b.maxValueBytes;
        this.settings = b.settings();
        this.scheduler = scheduler;
        this.listeners = new CopyOnWriteArrayList<>(b.listeners);
        this.tombstoneTtlMillis = settings.tombstoneTtl().toMillis();
        this.rebalancer = new Rebalancer(ring, replicationFactor, () -> clients, phases, tombstoneTtlMillis,
                this::publish);
        this.replicas = new Replicas(ring, replicationFactor, () -> clients, phases);
        this.leases = new Leases(replicas, b.leaseTime.toMillis(), tombstoneTtlMillis,
                settings.callTimeout().toMillis());
        this.vnodesPerNode = b.vnodesPerNode;
        this.shared = b.membershipPoll == null ? null
                : new SharedMembership(new SharedMembership.Follower() {
                    @Override
                    public Map<String, NodeClient> clients() {
                        return clients;
                    }

                    @Override
                    public void follow(MembershipRecord record) {
                        CacheCluster.this.follow(record);
                    }

                    @Override
                    public boolean closed() {
                        return closed;
                    }

                    @Override
                    public Object lock() {
                        return membership;
                    }
                }, b.membershipPoll, scheduler);
    }

    public static Builder<byte[]> builder() {
        return new Builder<>(ValueCodec.bytes());
    }

    // ---- reads ------------------------------------------------------------------------------------------------

    /** The cached value, or null on a miss (including when no replica of the key can be reached). */
    public V get(String key) {
        return value(read(CacheKeys.require(key), KeyHash.token(key)), key);
    }

    public V get(byte[] key) {
        return value(read(CacheKeys.require(key), KeyHash.token(key)), key);
    }

    /**
     * The cached value with its version, or null on a miss (or when the key's newest entry is a deletion). The
     * version is the one the write carried: the caller's, or this process's {@link HybridClock} reading.
     */
    public CacheEntry<V> getEntry(String key) {
        byte[] stored = read(CacheKeys.require(key), KeyHash.token(key));
        V value = value(stored, key);
        return value == null ? null : new CacheEntry<>(value, Versioned.version(stored));
    }

    /** The cached values of the keys that hit; one call per node and replica round, not per key. */
    public Map<String, V> getAll(Collection<String> keys) {
        ensureOpen();
        if (keys == null) {
            throw new IllegalArgumentException("keys must not be null");
        }
        Set<String> asked = new LinkedHashSet<>();
        for (String k : keys) {
            asked.add(CacheKeys.require(k));
        }
        Map<String, V> found = new HashMap<>();
        replicas.readAll(asked).forEach((k, stored) -> {
            V v = decode(stored, k);
            if (v != null) {
                found.put((String) k, v);
            }
        });
        hits.add(found.size());
        misses.add(asked.size() - found.size());
        return found;
    }

    private byte[] read(Object key, long token) {
        ensureOpen();
        return replicas.read(key, token);
    }

    /** The value of stored bytes, counting the read as a hit or a miss (a tombstone or an undecodable value). */
    private V value(byte[] stored, Object key) {
        V v = stored == null ? null : decode(stored, key);
        (v == null ? misses : hits).increment();
        return v;
    }

    /** Null for a tombstone, and for bytes the codec (or the version header) cannot read, which are counted. */
    private V decode(byte[] stored, Object key) {
        clock.observe(Versioned.version(stored));
        if (!Versioned.isLive(stored)) {
            return null;
        }
        try {
            return codec.decode(Versioned.payload(stored));
        } catch (RuntimeException e) {
            if (decodeErrors.sum() == 0) {
                LOG.warn("codec {} cannot decode the cached value of {} ({} bytes): {}; served as a miss", codec,
                        CacheKeys.describe(key), stored.length, e.toString());
            }
            decodeErrors.increment();
            return null;
        }
    }

    // ---- writes -----------------------------------------------------------------------------------------------

    /** Caches a value with the nodes' default time-to-live, versioned by this process's clock. */
    public void put(String key, V value) {
        write(CacheKeys.require(key), KeyHash.token(key), encode(key, value, clock.next()), -1);
    }

    public void put(byte[] key, V value) {
        write(CacheKeys.require(key), KeyHash.token(key), encode(key, value, clock.next()), -1);
    }

    /** Caches a value that expires after {@code ttl}, rounded up to whole seconds. */
    public void put(String key, V value, Duration ttl) {
        write(CacheKeys.require(key), KeyHash.token(key), encode(key, value, clock.next()), ttlMillis(ttl));
    }

    public void put(byte[] key, V value, Duration ttl) {
        write(CacheKeys.require(key), KeyHash.token(key), encode(key, value, clock.next()), ttlMillis(ttl));
    }

    /**
     * Caches a value at a version the caller supplies (the row's version, update time or commit LSN): each node
     * keeps it only if it holds nothing newer, a value or a deletion, whichever process wrote that. Use either
     * caller versions or clock versions ({@link #put(String, Object)}) for a key space, not both.
     *
     * @param ttl time to live, rounded up to whole seconds; null for the nodes' default
     */
    public void put(String key, V value, long version, Duration ttl) {
        write(CacheKeys.require(key), KeyHash.token(key), encode(key, value, version),
                ttl == null ? -1 : ttlMillis(ttl));
    }

    public void put(byte[] key, V value, long version, Duration ttl) {
        write(CacheKeys.require(key), KeyHash.token(key), encode(key, value, version),
                ttl == null ? -1 : ttlMillis(ttl));
    }

    /**
     * Caches the value unless the key is cached already. The primary (or the first reachable replica) decides.
     *
     * @return the value already cached, or null if this call stored {@code value} (or a newer deletion kept it out)
     */
    public V putIfAbsent(String key, V value, Duration ttl) {
        return putIfAbsent(CacheKeys.require(key), KeyHash.token(key), encode(key, value, clock.next()),
                ttlMillis(ttl));
    }

    public V putIfAbsent(byte[] key, V value, Duration ttl) {
        return putIfAbsent(CacheKeys.require(key), KeyHash.token(key), encode(key, value, clock.next()),
                ttlMillis(ttl));
    }

    /**
     * Deletes a key on every replica, leaving a tombstone for {@code tombstoneTtl} so that no older write (from any
     * process, or a copy during a membership change) brings it back; versioned by this process's clock. A replica
     * that cannot be reached now is repaired before it serves the key again.
     */
    public void delete(String key) {
        delete(key, clock.next());
    }

    public void delete(byte[] key) {
        delete(key, clock.next());
    }

    /** Deletes a key at a version the caller supplies: values of that version or older can no longer be cached. */
    public void delete(String key, long version) {
        write(CacheKeys.require(key), KeyHash.token(key), Versioned.tombstone(version), tombstoneTtlMillis);
    }

    public void delete(byte[] key, long version) {
        write(CacheKeys.require(key), KeyHash.token(key), Versioned.tombstone(version), tombstoneTtlMillis);
    }

    /** Caches many values with the nodes' default TTL; one call per node. Nothing is written if any entry is bad. */
    public void putAll(Map<String, V> entries) {
        putAll(entries, -1);
    }

    /** Caches many values with one TTL; pipelined per node. Nothing is written if any entry is bad. */
    public void putAll(Map<String, V> entries, Duration ttl) {
        putAll(entries, ttlMillis(ttl));
    }

    private void putAll(Map<String, V> entries, long ttlMillis) {
        ensureOpen();
        if (entries == null) {
            throw new IllegalArgumentException("entries must not be null");
        }
        long version = clock.next();
        Map<String, byte[]> encoded = new LinkedHashMap<>();
        entries.forEach((k, v) -> encoded.put(CacheKeys.require(k), encode(k, v, version)));
        replicas.writeAll(encoded, ttlMillis);
    }

    private void write(Object key, long token, byte[] stored, long ttlMillis) {
        ensureOpen();
        replicas.write(key, token, stored, ttlMillis);
    }

    private V putIfAbsent(Object key, long token, byte[] stored, long ttlMillis) {
        ensureOpen();
        byte[] present = replicas.putIfAbsent(key, token, stored, ttlMillis);
        return present == null ? null : decode(present, key);
    }

    // ---- get or load ------------------------------------------------------------------------------------------

    /**
     * The cached value, or the loader's value cached with the nodes' default TTL. Concurrent callers for the same
     * missing key wait for one load instead of all loading (no stampede): in this process, and across processes
     * through a lease on the key's primary node ({@link Builder#leaseTime}): one process loads, the others wait for
     * its value, or load themselves once its lease expired. A delete of the key during the load (from any process,
     * or the WAL invalidator) voids the lease, and the loaded value, versioned with the clock reading taken before
     * the load, is not cached. A null from the loader is returned and not cached; an exception from it reaches every
     * waiting caller in this process; a loader that loads its own key gets an {@link IllegalStateException} instead
     * of a deadlock.
     */
    public V getOrLoad(String key, Function<? super String, ? extends V> loader) {
        return getOrLoad(key, loader, null);
    }

    /** As {@link #getOrLoad(String, Function)}, caching the loaded value for {@code ttl}. */
    public V getOrLoad(String key, Function<? super String, ? extends V> loader, Duration ttl) {
        long token = KeyHash.token(CacheKeys.require(key));
        requireLoader(loader);
        return getOrLoad(key, token, () -> loader.apply(key), ttl);
    }

    public V getOrLoad(byte[] key, Function<? super byte[], ? extends V> loader, Duration ttl) {
        long token = KeyHash.token(CacheKeys.require(key));
        requireLoader(loader);
        return getOrLoad(key, token, () -> loader.apply(key), ttl);
    }

    private V getOrLoad(Object key, long token, Supplier<? extends V> load, Duration ttl) {
        long ttlMillis = ttl == null ? -1 : ttlMillis(ttl);
        byte[] cached = read(key, token);
        if (Versioned.isLive(cached)) {
            return value(cached, key);
        }
        return loads.run(CacheKeys.identity(key), () -> load(key, token, load, ttlMillis));
    }

    /** One process's load of a missing key, under a lease when the key's primary grants one. */
    private V load(Object key, long token, Supplier<? extends V> load, long ttlMillis) {
        byte[] again = read(key, token); // a load that finished just before this flight started
        if (Versioned.isLive(again)) {
            return value(again, key);
        }
        Leases.Grant grant = leases.acquire(key, token); // waits while another process loads the key
        if (grant.cached() != null) {
            return value(grant.cached(), key);
        }
        misses.increment();
        clock.observe(grant.carriedVersion());
        long version = clock.next(); // before the load: a delete while it runs is newer and wins
        byte[] stored = null;
        try {
            V loaded = load.get();
            if (loaded != null) {
                stored = encode(key, loaded, version);
            }
            return loaded;
        } finally {
            if (leases.end(grant, key, stored, ttlMillis) && stored != null) {
                write(key, token, stored, ttlMillis); // the other replicas (a no-op on the lease's holder)
            }
        }
    }

    private static void requireLoader(Function<?, ?> loader) {
        if (loader == null) {
            throw new IllegalArgumentException("loader must not be null");
        }
    }

    // ---- membership -------------------------------------------------------------------------------------------

    /** Adds a node and warms it: see {@link #addNode(String, String, double, String, Warming)}. */
    public RebalanceProgress addNode(String id, String address, double weight, String zone) {
        return addNode(id, address, weight, zone, Warming.WARM);
    }

    /**
     * Connects to a new node, copies the entries it will own from their current owners (when warming), then routes
     * to it. Blocks until done; changes run one at a time.
     *
     * @throws IllegalArgumentException for a duplicate id or a bad address, weight or zone
     * @throws IllegalStateException when the node cannot be reached; the cluster is unchanged then
     */
    public RebalanceProgress addNode(String id, String address, double weight, String zone, Warming warming) {
        Node node = nodeOf(id, address, weight, zone);
        requireWarming(warming);
        return changing(() -> {
            HashRing before = ring.ring();
            if (before.contains(id)) {
                throw new IllegalArgumentException("duplicate node id '" + id + "': the cluster already has it");
            }
            NodeClient client = newClient(node);
            client.connect();
            Map<String, NodeClient> next = new HashMap<>(clients);
            next.put(id, client);
            setClients(next);
            publish(new NodeEvent(Instant.now(), id, NodeEvent.Kind.ADDED, address));
            return change("add " + id, before.withNode(node), warming);
        });
    }

    /**
     * Hands a node's entries to their new owners, routes around it and disconnects from it. The node itself keeps
     * running; stop it afterwards.
     *
     * @throws IllegalArgumentException for an unknown id, or the last node
     */
    public RebalanceProgress removeNode(String id) {
        return changing(() -> {
            HashRing before = ring.ring();
            if (id == null || !before.contains(id)) {
                throw new IllegalArgumentException("no node '" + id + "' in the cluster (nodes: "
                        + before.nodes().stream().map(Node::id).collect(Collectors.joining(", ")) + ")");
            }
            if (before.size() == 1) {
                throw new IllegalArgumentException("cannot remove '" + id + "': it is the last node of the cluster");
            }
            RebalanceProgress done = change("remove " + id, before.withoutNode(id), Warming.WARM);
            disconnect(id);
            return done;
        });
    }

    /** Gives a node a new weight (share of the ring), moving entries to their new owners first. */
    public RebalanceProgress changeWeight(String id, double weight) {
        return changing(() -> {
            HashRing before = ring.ring();
            Node current = before.node(id).orElseThrow(() -> new IllegalArgumentException("no node '" + id
                    + "' in the cluster (nodes: " + before.nodes().stream().map(Node::id)
                    .collect(Collectors.joining(", ")) + ")"));
            Node changed = current.withWeight(weight);
            RebalanceProgress done = change("weight of " + id + " " + current.weight() + " -> " + weight,
                    before.withNodeReplaced(changed), Warming.WARM);
            publish(new NodeEvent(Instant.now(), id, NodeEvent.Kind.WEIGHT_CHANGED,
                    current.weight() + " -> " + weight));
            return done;
        });
    }

    /** Runs a membership change: one at a time here, and with a shared membership one at a time across processes. */
    private RebalanceProgress changing(Supplier<RebalanceProgress> body) {
        synchronized (membership) {
            return shared == null ? body.get() : shared.change(body);
        }
    }

    private RebalanceProgress change(String description, HashRing after, Warming warming) {
        return rebalancer.change(description, after, warming, shared == null ? Rebalancer.Stages.NONE : shared);
    }

    private void disconnect(String id) {
        Map<String, NodeClient> next = new HashMap<>(clients);
        NodeClient gone = next.remove(id);
        setClients(next);
        gone.close();
        publish(new NodeEvent(Instant.now(), id, NodeEvent.Kind.REMOVED, ""));
    }

    // ---- following a shared membership ------------------------------------------------------------------------

    /** Swaps the node clients, and with them the replica table every call reads. */
    private void setClients(Map<String, NodeClient> next) {
        clients = next;
        replicas.refresh();
    }

    /** The node clients by id, for tests and the shared membership. */
    Map<String, NodeClient> clients() {
        return clients;
    }

    /** Moves to a record another process published (or the newest one, at start). */
    private void follow(MembershipRecord record) {
        synchronized (membership) {
            Map<String, NodeClient> next = new HashMap<>(clients);
            List<Node> all = new ArrayList<>(record.nodes());
            all.addAll(record.others());
            for (Node n : all) {
                if (!next.containsKey(n.id())) {
                    NodeClient c = newClient(n);
                    try {
                        c.connect();
                    } catch (IllegalStateException e) {
                        c.startEjected(e.getMessage());
                    }
                    next.put(n.id(), c);
                    publish(new NodeEvent(Instant.now(), n.id(), NodeEvent.Kind.ADDED,
                            n.attribute(ADDRESS).orElse("") + " (epoch " + record.epoch() + ")"));
                }
            }
            setClients(next);
            ring.set(record.ring(vnodesPerNode, replicationFactor));
            phases.swap(record.others().isEmpty() ? WritePhase.STEADY
                    : new WritePhase(record.othersRing(vnodesPerNode, replicationFactor), false));
            if (record.stage() == MembershipRecord.Stage.STEADY) {
                Set<String> kept = record.nodes().stream().map(Node::id).collect(Collectors.toSet());
                for (String id : List.copyOf(clients.keySet())) {
                    if (!kept.contains(id)) {
                        disconnect(id);
                    }
                }
            }
        }
    }

    /** The epoch of the shared membership this client follows; 0 when it shares none. */
    public long membershipEpoch() {
        return shared == null ? 0 : shared.epoch();
    }

    // ---- introspection ----------------------------------------------------------------------------------------

    /** The ring reads follow now. */
    public HashRing ring() {
        return ring.ring();
    }

    public int replicationFactor() {
        return replicationFactor;
    }

    /** How long a delete's tombstone keeps older writes out ({@link Builder#tombstoneTtl}). */
    public Duration tombstoneTtl() {
        return settings.tombstoneTtl();
    }

    /**
     * Keeps a node out of this client's reads from now until it has been emptied: for a node that missed deletes
     * elsewhere (the WAL invalidator could not reach it). The client empties it in its next repair round (every
     * 500 ms while the node is up, else before it rejoins), then reads it again. Writes keep going to it.
     *
     * @throws IllegalArgumentException for a node this client does not know
     */
    public void requirePurge(String nodeId) {
        NodeClient c = nodeId == null ? null : clients.get(nodeId);
        if (c == null) {
            throw new IllegalArgumentException("no node '" + nodeId + "' in the cluster (nodes: "
                    + String.join(", ", new TreeMap<>(clients).keySet()) + ")");
        }
        c.requirePurge();
    }

    /** Each node's state, by id. */
    public Map<String, NodeState> nodeStates() {
        Map<String, NodeState> out = new TreeMap<>();
        clients.forEach((id, c) -> out.put(id, c.state()));
        return out;
    }

    public CacheStats stats() {
        List<NodeStats> nodes = new ArrayList<>();
        new TreeMap<>(clients).values().forEach(c -> nodes.add(c.stats()));
        return new CacheStats(hits.sum(), misses.sum(), decodeErrors.sum(), nodes);
    }

    public void addListener(CacheClusterListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null");
        }
        listeners.add(listener);
    }

    /** Disconnects from every node (the nodes keep running); reads and writes throw afterwards. */
    @Override
    public void close() {
        closed = true;
        clients.values().forEach(NodeClient::stop);
        scheduler.shutdown(); // no interrupt: a probe in the middle of connecting finishes, then sees the stop
        try {
            scheduler.awaitTermination(settings.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        clients.values().forEach(NodeClient::close);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private int nodeCount() {
        return clients.size();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this cache cluster client is closed");
        }
    }

    private byte[] encode(Object key, V value, long version) {
        if (value == null) {
            throw new IllegalArgumentException("value for " + CacheKeys.describe(key)
                    + " must not be null (delete removes a key)");
        }
        byte[] bytes = codec.encode(value);
        if (bytes == null) {
            throw new IllegalArgumentException("codec " + codec + " encoded the value for " + CacheKeys.describe(key)
                    + " as null");
        }
        if (bytes.length > maxValueBytes) {
            throw new IllegalArgumentException("value for " + CacheKeys.describe(key) + " is " + bytes.length
                    + " bytes, over the maximum of " + maxValueBytes + " (maxValueBytes)");
        }
        return Versioned.value(version, bytes);
    }

    /** Nodes keep expiry times in whole seconds, at most {@link Integer#MAX_VALUE} of them; so round up. */
    private static long ttlMillis(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero() || ttl.toMillis() < 1) {
            throw new IllegalArgumentException("ttl must be at least 1 ms, was " + ttl);
        }
        if (ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("ttl must be at most " + MAX_TTL + " (what a node can hold), was "
                    + ttl);
        }
        return (ttl.toMillis() + 999) / 1000 * 1000;
    }

    private static void requireWarming(Warming warming) {
        if (warming == null) {
            throw new IllegalArgumentException("warming must be WARM or COLD, was null");
        }
    }

    private NodeClient newClient(Node node) {
        NodeClient c = new NodeClient(node, settings, scheduler, this::publish, peers, slowBudget);
        if (shared != null) {
            c.onRegistryChange(shared::poke);
        }
        return c;
    }

    private void publish(NodeEvent event) {
        for (CacheClusterListener l : listeners) {
            try {
                l.onNodeEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on {}", l, event, e);
            }
        }
    }

    private void publish(RebalanceProgress progress) {
        for (CacheClusterListener l : listeners) {
            try {
                l.onRebalanceProgress(progress);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on {}", l, progress, e);
            }
        }
    }

    /** What node clients need from the cluster: the keys' other replicas, and the rebalancer to refill a node. */
    private final NodeClient.Peers peers = new NodeClient.Peers() {
        @Override
        public byte[] newestElsewhere(Object key, String except) {
            return replicas.newestElsewhere(key, except);
        }

        @Override
        public void refill(NodeClient node) {
            scheduler.execute(() -> {
                synchronized (membership) {
                    if (!closed && clients.get(node.id()) == node) {
                        rebalancer.refill(node);
                    }
                }
            });
        }
    };

    private void repairMissedKeys() {
        for (NodeClient c : clients.values()) {
            if (c.state() == NodeState.UP && c.hasMissedKeys()) {
                try {
                    c.repair();
                } catch (RuntimeException e) {
                    LOG.debug("repair of {} failed: {}", c, e.toString());
                }
            }
        }
    }

    static Node nodeOf(String id, String address, double weight, String zone) {
        Node.Builder b = Node.builder(id).weight(weight).zone(zone);
        int colon = address == null ? -1 : address.lastIndexOf(':');
        int port = -1;
        if (colon > 0) {
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("address of node '" + id + "' must be host:port with a port in"
                    + " 1..65535, was " + (address == null ? "null" : "\"" + address + "\""));
        }
        return b.attribute(ADDRESS, address).build();
    }

    /**
     * Builds a {@link CacheCluster}; setters check their arguments and name the bad value. {@link #build()}
     * connects to every node.
     *
     * @param <V> the value type
     */
    public static final class Builder<V> {
        private final Map<String, Node> nodes = new LinkedHashMap<>();
        private ValueCodec<V> codec;
        private int replicationFactor = 2;
        private int maxValueBytes = 1 << 20;
        private int vnodesPerNode = HashRing.DEFAULT_VNODES;
        private TokenLayout layout;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration callTimeout = Duration.ofSeconds(2);
        private int ejectAfter = 3;
        private Duration slowCallThreshold = ClientSettings.SLOW_CALL_THRESHOLD;
        private int slowCalls = ClientSettings.SLOW_CALLS;
        private Duration slowCallWindow = ClientSettings.SLOW_CALL_WINDOW;
        private Duration tombstoneTtl = ClientSettings.TOMBSTONE_TTL;
        private Duration leaseTime = Duration.ofSeconds(2);
        private Duration probeInitial = Duration.ofMillis(200);
        private Duration probeMax = Duration.ofSeconds(5);
        private boolean degradedStart;
        private Duration membershipPoll;
        private final Map<String, String> clientProperties = new LinkedHashMap<>();
        private ClusterSecret secret = ClusterSecret.NONE;
        private final List<CacheClusterListener> listeners = new ArrayList<>();

        private Builder(ValueCodec<V> codec) {
            this.codec = codec;
        }

        /** A node of weight 1 without a zone. */
        public Builder<V> node(String id, String address) {
            return node(id, address, 1.0, null);
        }

        /**
         * A node: its id (the node's {@code --name}), {@code host:port}, weight (share of the ring) and zone
         * (replicas of a key go to different zones first; null for none).
         */
        public Builder<V> node(String id, String address, double weight, String zone) {
            Node node = nodeOf(id, address, weight, zone);
            if (nodes.containsKey(id)) {
                throw new IllegalArgumentException("duplicate node id '" + id + "' (addresses "
                        + nodes.get(id).attribute(ADDRESS).orElse("?") + " and " + address + ")");
            }
            nodes.put(id, node);
            return this;
        }

        /** Copies per key (default 2); fewer nodes than that means every node holds every key. */
        public Builder<V> replicationFactor(int r) {
            if (r < 1) {
                throw new IllegalArgumentException("replicationFactor must be >= 1, was " + r);
            }
            this.replicationFactor = r;
            return this;
        }

        /** The codec for values; the default stores byte arrays as they are. */
        @SuppressWarnings("unchecked")
        public <T> Builder<T> codec(ValueCodec<T> valueCodec) {
            if (valueCodec == null) {
                throw new IllegalArgumentException("codec must not be null");
            }
            Builder<T> self = (Builder<T>) this;
            self.codec = valueCodec;
            return self;
        }

        /** The largest encoded value accepted by put (default 1 MiB). */
        public Builder<V> maxValueBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxValueBytes must be >= 1, was " + bytes);
            }
            this.maxValueBytes = bytes;
            return this;
        }

        public Builder<V> vnodesPerNode(int vnodes) {
            if (vnodes < 1) {
                throw new IllegalArgumentException("vnodesPerNode must be >= 1, was " + vnodes);
            }
            this.vnodesPerNode = vnodes;
            return this;
        }

        /**
         * Places the nodes by balanced allocation from this layout instead of random vnodes (ring/README.md):
         * nodes the layout lacks get tokens by allocation steps in the order they were given, nodes it has keep
         * theirs, and added or removed nodes evolve it. With {@link #sharedMembership} the layout travels with
         * the shared record, so every process builds the identical ring (a shared record wins over this one).
         */
        public Builder<V> layout(TokenLayout layout) {
            if (layout == null) {
                throw new IllegalArgumentException("layout must not be null");
            }
            this.layout = layout;
            return this;
        }

        /** How long connecting to a node may take (default 2 s). */
        public Builder<V> connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /**
         * How long a node may stay silent before calls to it fail (default 2 s): its connection is dropped after
         * this much silence (heartbeat), failing every call waiting on it, and a closed connection fails calls at
         * once. Too tight a bound ejects nodes during GC pauses.
         */
        public Builder<V> callTimeout(Duration timeout) {
            this.callTimeout = positive("callTimeout", timeout);
            return this;
        }

        /** Consecutive failed calls that take a node out of the read path (default 3). */
        public Builder<V> ejectAfter(int failures) {
            if (failures < 1) {
                throw new IllegalArgumentException("ejectAfter must be >= 1 failure, was " + failures);
            }
            this.ejectAfter = failures;
            return this;
        }

        /**
         * Ejection by latency (default 3 calls over 500 ms within 5 s): a node that stalls now and then (a gray
         * failure) fails no call but slows every caller. At most a third of the nodes (and at least one) are out
         * for latency at once, so an overloaded client does not eject healthy nodes en masse; an ejected node comes
         * back when a probe answers within {@code threshold}.
         */
        public Builder<V> ejectSlowerThan(Duration threshold, int calls, Duration window) {
            positive("slow call threshold", threshold);
            positive("slow call window", window);
            if (calls < 1) {
                throw new IllegalArgumentException("slow calls before ejection must be >= 1, was " + calls);
            }
            this.slowCallThreshold = threshold;
            this.slowCalls = calls;
            this.slowCallWindow = window;
            return this;
        }

        /**
         * How long a delete's tombstone keeps older writes out (default 30 s): longer than any write can be in
         * flight (a call timeout), a range copy takes, or a {@code getOrLoad} loader runs.
         */
        public Builder<V> tombstoneTtl(Duration ttl) {
            positive("tombstoneTtl", ttl);
            if (ttl.toMillis() < 1000) {
                throw new IllegalArgumentException("tombstoneTtl must be at least 1 s (nodes expire in whole seconds),"
                        + " was " + ttl);
            }
            this.tombstoneTtl = ttl;
            return this;
        }

        /**
         * How long a {@code getOrLoad} lease lets one process load a missing key while the others wait for its
         * value (default 2 s): longer than a load takes, since a slower holder is taken over (and its value not
         * cached); shorter than callers may wait, since a holder that dies keeps the others waiting that long.
         */
        public Builder<V> leaseTime(Duration time) {
            positive("leaseTime", time);
            if (time.toMillis() < 10) {
                throw new IllegalArgumentException("leaseTime must be at least 10 ms, was " + time);
            }
            this.leaseTime = time;
            return this;
        }

        /** Delay before the first probe of an ejected node, doubling up to {@code max} (default 200 ms, 5 s). */
        public Builder<V> probeBackoff(Duration initial, Duration max) {
            positive("probe initial backoff", initial);
            positive("probe max backoff", max);
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("probe max backoff " + max + " is below the initial " + initial);
            }
            this.probeInitial = initial;
            this.probeMax = max;
            return this;
        }

        /**
         * Whether {@link #build()} may succeed with unreachable nodes: they start ejected and are probed. Default
         * false: build fails naming them.
         */
        public Builder<V> allowDegradedStart(boolean allow) {
            this.degradedStart = allow;
            return this;
        }

        /**
         * Shares the membership with every other client process of these nodes (off by default): the node list,
         * weights and an epoch live in a registry on the nodes; {@code addNode}, {@code removeNode} and
         * {@code changeWeight} through any process change it for all (one at a time), and every process follows,
         * told by the nodes at once and polling every {@code poll} (say 500 ms). At start the newest membership on
         * the nodes wins over the nodes listed here, which then only serve to find it.
         */
        public Builder<V> sharedMembership(Duration poll) {
            this.membershipPoll = positive("membership poll", poll);
            return this;
        }

        /** Sets a Hazelcast client property on every node client, e.g. {@code hazelcast.client.io.input.thread.count}. */
        public Builder<V> clientProperty(String name, String value) {
            if (name == null || name.isBlank() || value == null) {
                throw new IllegalArgumentException("client property needs a name and a value, got " + name + "="
                        + value);
            }
            clientProperties.put(name, value);
            return this;
        }

        /** The secret the nodes were started with ({@code --secret-file}); default none. Never logged. */
        public Builder<V> secret(String secret) {
            this.secret = ClusterSecret.of(secret);
            return this;
        }

        public Builder<V> listener(CacheClusterListener listener) {
            if (listener == null) {
                throw new IllegalArgumentException("listener must not be null");
            }
            listeners.add(listener);
            return this;
        }

        ClientSettings settings() {
            return new ClientSettings(connectTimeout, callTimeout, ejectAfter, probeInitial, probeMax,
                    slowCallThreshold, slowCalls, slowCallWindow, tombstoneTtl, clientProperties, secret);
        }

        /**
         * Connects to every node (in parallel) and returns the client.
         *
         * @throws IllegalArgumentException without nodes
         * @throws IllegalStateException naming the unreachable nodes, unless {@link #allowDegradedStart(boolean)}
         */
        public CacheCluster<V> build() {
            if (nodes.isEmpty()) {
                throw new IllegalArgumentException("a cache cluster needs at least one node");
            }
            HashRing.Builder ringBuilder = HashRing.builder().maxReplicas(replicationFactor).nodes(nodes.values());
            HashRing initial = (layout == null ? ringBuilder.vnodesPerNode(vnodesPerNode) : ringBuilder.layout(layout))
                    .build();
            AtomicInteger threads = new AtomicInteger();
            ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(2, r -> {
                Thread t = new Thread(r, "ringroute-cache-probe-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            CacheCluster<V> cluster = new CacheCluster<>(this, initial, scheduler);
            Map<String, NodeClient> all = new HashMap<>();
            Map<NodeClient, CompletableFuture<Void>> connecting = new LinkedHashMap<>();
            for (Node n : nodes.values()) {
                NodeClient c = cluster.newClient(n);
                all.put(n.id(), c);
                connecting.put(c, CompletableFuture.runAsync(c::connect, scheduler));
            }
            cluster.setClients(all);
            List<String> unreachable = new ArrayList<>();
            connecting.forEach((c, f) -> {
                try {
                    f.join();
                } catch (RuntimeException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    unreachable.add(cause.getMessage());
                    if (degradedStart) {
                        c.startEjected(cause.getMessage());
                    }
                }
            });
            if (!unreachable.isEmpty()) {
                if (!degradedStart) {
                    cluster.close();
                    throw new IllegalStateException(String.join("; ", unreachable)
                            + " (allowDegradedStart(true) starts without them and probes them)");
                }
                LOG.warn("cache cluster started degraded: {}", unreachable);
            }
            scheduler.scheduleWithFixedDelay(cluster::repairMissedKeys, 500, 500, TimeUnit.MILLISECONDS);
            if (cluster.shared != null) {
                cluster.shared.start(initial);
            }
            return cluster;
        }

        private static Duration positive(String what, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
            return d;
        }
    }
}
