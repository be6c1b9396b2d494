package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.wire.CacheKeys;
import io.ringroute.cache.wire.ClusterSecret;
import io.ringroute.ring.HashRing;
import io.ringroute.ring.KeyHash;
import io.ringroute.ring.Node;
import io.ringroute.ring.TokenLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client for a cluster of {@link CacheNode}s, routed by a consistent-hash ring.
 *
 * <p>Each key lives on the first {@code R} distinct nodes clockwise from its token ({@link KeyHash}), primary
 * first. Writes go to all R replicas; reads go to the primary (a hot key's to its least-called replica, with
 * {@link Builder#spreadHotKeyReads}) and fall back along the replica list when a node misses, fails or is
 * ejected; deletes reach every replica, and a replica a write or delete could not reach keeps the key out of its
 * reads until the key is deleted there. Node failures never reach the caller: a read that no
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

    private final int replicationFactor;
    private final ClientSettings settings;
    private final ClusterEvents events;
    private final Membership members;
    private final StoredValues<V> values;
    private final ReadPath<V> reads;
    private final WritePath<V> writes;
    private final LoadPath<V> loads;

    private CacheCluster(Builder<V> b, HashRing initial, ScheduledExecutorService scheduler) {
        this.replicationFactor = b.replicationFactor;
        this.settings = b.settings();
        this.events = new ClusterEvents(b.listeners);
        this.members = new Membership(initial, replicationFactor, b.vnodesPerNode, settings, scheduler, events,
                b.membershipPoll);
        Replicas replicas = members.replicas();
        this.values = new StoredValues<>(b.codec, b.maxValueBytes, HybridClock.system());
        this.reads = new ReadPath<>(replicas, values, members::ensureOpen, b.hotKeys);
        this.writes = new WritePath<>(replicas, values, members::ensureOpen, settings.tombstoneTtl().toMillis());
        this.loads = new LoadPath<>(reads, writes, values, new Leases(replicas, b.leaseTime.toMillis(),
                settings.tombstoneTtl().toMillis(), settings.callTimeout().toMillis()));
    }

    public static Builder<byte[]> builder() {
        return new Builder<>(ValueCodec.bytes());
    }

    // ---- reads ------------------------------------------------------------------------------------------------

    /** The cached value, or null on a miss (including when no replica of the key can be reached). */
    public V get(String key) {
        return reads.get(CacheKeys.require(key), KeyHash.token(key));
    }

    public V get(byte[] key) {
        return reads.get(CacheKeys.require(key), KeyHash.token(key));
    }

    /**
     * The cached value with its version, or null on a miss (or when the key's newest entry is a deletion). The
     * version is the one the write carried: the caller's, or this process's {@link HybridClock} reading.
     */
    public CacheEntry<V> getEntry(String key) {
        return reads.getEntry(CacheKeys.require(key), KeyHash.token(key));
    }

    /** The cached values of the keys that hit; one call per node and replica round, not per key. */
    public Map<String, V> getAll(Collection<String> keys) {
        return reads.getAll(keys);
    }

    // ---- writes -----------------------------------------------------------------------------------------------

    /** Caches a value with the nodes' default time-to-live, versioned by this process's clock. */
    public void put(String key, V value) {
        writes.put(CacheKeys.require(key), KeyHash.token(key), value, -1);
    }

    public void put(byte[] key, V value) {
        writes.put(CacheKeys.require(key), KeyHash.token(key), value, -1);
    }

    /** Caches a value that expires after {@code ttl}, rounded up to whole seconds. */
    public void put(String key, V value, Duration ttl) {
        writes.put(CacheKeys.require(key), KeyHash.token(key), value, StoredValues.ttlMillis(ttl));
    }

    public void put(byte[] key, V value, Duration ttl) {
        writes.put(CacheKeys.require(key), KeyHash.token(key), value, StoredValues.ttlMillis(ttl));
    }

    /**
     * Caches a value at a version the caller supplies (the row's version, update time or commit LSN): each node
     * keeps it only if it holds nothing newer, a value or a deletion, whichever process wrote that. Use either
     * caller versions or clock versions ({@link #put(String, Object)}) for a key space, not both.
     *
     * @param ttl time to live, rounded up to whole seconds; null for the nodes' default
     */
    public void put(String key, V value, long version, Duration ttl) {
        writes.put(CacheKeys.require(key), KeyHash.token(key), value, version, StoredValues.ttlMillisOrDefault(ttl));
    }

    public void put(byte[] key, V value, long version, Duration ttl) {
        writes.put(CacheKeys.require(key), KeyHash.token(key), value, version, StoredValues.ttlMillisOrDefault(ttl));
    }

    /**
     * Caches the value unless the key is cached already. The primary (or the first reachable replica) decides.
     *
     * @return the value already cached, or null if this call stored {@code value} (or a newer deletion kept it out)
     */
    public V putIfAbsent(String key, V value, Duration ttl) {
        return writes.putIfAbsent(CacheKeys.require(key), KeyHash.token(key), value, StoredValues.ttlMillis(ttl));
    }

    public V putIfAbsent(byte[] key, V value, Duration ttl) {
        return writes.putIfAbsent(CacheKeys.require(key), KeyHash.token(key), value, StoredValues.ttlMillis(ttl));
    }

    /**
     * Deletes a key on every replica, leaving a tombstone for {@code tombstoneTtl} so that no older write (from any
     * process, or a copy during a membership change) brings it back; versioned by this process's clock. A replica
     * that cannot be reached now is repaired before it serves the key again.
     */
    public void delete(String key) {
        delete(key, writes.nextVersion());
    }

    public void delete(byte[] key) {
        delete(key, writes.nextVersion());
    }

    /** Deletes a key at a version the caller supplies: values of that version or older can no longer be cached. */
    public void delete(String key, long version) {
        writes.delete(CacheKeys.require(key), KeyHash.token(key), version);
    }

    public void delete(byte[] key, long version) {
        writes.delete(CacheKeys.require(key), KeyHash.token(key), version);
    }

    /** Caches many values with the nodes' default TTL; one call per node. Nothing is written if any entry is bad. */
    public void putAll(Map<String, V> entries) {
        writes.putAll(entries, -1);
    }

    /** Caches many values with one TTL; pipelined per node. Nothing is written if any entry is bad. */
    public void putAll(Map<String, V> entries, Duration ttl) {
        writes.putAll(entries, StoredValues.ttlMillis(ttl));
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
        return loads.getOrLoad(key, token, () -> loader.apply(key), StoredValues.ttlMillisOrDefault(ttl));
    }

    public V getOrLoad(byte[] key, Function<? super byte[], ? extends V> loader, Duration ttl) {
        long token = KeyHash.token(CacheKeys.require(key));
        requireLoader(loader);
        return loads.getOrLoad(key, token, () -> loader.apply(key), StoredValues.ttlMillisOrDefault(ttl));
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
        return members.addNode(nodeOf(id, address, weight, zone), warming);
    }

    /**
     * Hands a node's entries to their new owners, routes around it and disconnects from it. The node itself keeps
     * running; stop it afterwards.
     *
     * @throws IllegalArgumentException for an unknown id, or the last node
     */
    public RebalanceProgress removeNode(String id) {
        return members.removeNode(id);
    }

    /** Gives a node a new weight (share of the ring), moving entries to their new owners first. */
    public RebalanceProgress changeWeight(String id, double weight) {
        return members.changeWeight(id, weight);
    }

    /** The node clients by id, for tests. */
    Map<String, NodeClient> clients() {
        return members.clients();
    }

    /** The epoch of the shared membership this client follows; 0 when it shares none. */
    public long membershipEpoch() {
        return members.epoch();
    }

    // ---- introspection ----------------------------------------------------------------------------------------

    /** The ring reads follow now. */
    public HashRing ring() {
        return members.ring();
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
        members.requirePurge(nodeId);
    }

    /** Each node's state, by id. */
    public Map<String, NodeState> nodeStates() {
        return members.nodeStates();
    }

    public CacheStats stats() {
        return new CacheStats(reads.hits(), reads.misses(), values.decodeErrors(), reads.hotKeys(),
                members.nodeStats());
    }

    public void addListener(CacheClusterListener listener) {
        events.add(listener);
    }

    /** Disconnects from every node (the nodes keep running); reads and writes throw afterwards. */
    @Override
    public void close() {
        members.close();
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
        private HotKeys hotKeys = HotKeys.OFF;
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

        /**
         * Whether reads of hot keys share out over all R replicas of the key instead of starting at its primary
         * (default false): a hot key's read goes first to the replica this client has called least lately. The
         * client finds hot keys from a sample of its own reads (one in 64, a Space-Saving sketch of 128 counters: a
         * key with 1/128 of the reads or more); no copy is made beyond the R replicas every writer already writes,
         * so coherence is as with primary reads (cache-node/README.md, "Hot keys"). A hot key is spread over at most
         * R nodes.
         */
        public Builder<V> spreadHotKeyReads(boolean spread) {
            this.hotKeys = spread ? HotKeys.standard() : HotKeys.OFF;
            return this;
        }

        /** For tests: spreads hot keys as this detector finds them. */
        Builder<V> hotKeys(HotKeys detector) {
            this.hotKeys = detector;
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
            List<String> unreachable = cluster.members.start(nodes.values(), degradedStart);
            if (!unreachable.isEmpty()) {
                if (!degradedStart) {
                    cluster.close();
                    throw new IllegalStateException(String.join("; ", unreachable)
                            + " (allowDegradedStart(true) starts without them and probes them)");
                }
                LOG.warn("cache cluster started degraded: {}", unreachable);
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
