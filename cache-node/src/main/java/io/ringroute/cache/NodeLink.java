package io.ringroute.cache;

import io.ringroute.cache.wire.ClusterSecret;
import io.ringroute.cache.wire.CoherenceSerializables;
import io.ringroute.cache.wire.Invalidate;
import io.ringroute.cache.wire.WireFormat;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.ClientConnectionStrategyConfig.ReconnectMode;
import com.hazelcast.client.config.RoutingMode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A confirmed path to one cache node, for tools that must know whether a call landed (the WAL-driven cache
 * invalidator advances its replication slot only over deletes every node confirmed): each call either completes on
 * the node within the timeout or throws. The cluster client, by contrast, turns failures into missed keys and never
 * throws. The link connects on first use, presents the nodes' secret as {@link CacheCluster} does, and refuses Java
 * deserialization; after a failed connect it does not try again before a backoff (doubling to 5 s), so a dead node
 * fails fast instead of costing every call a connect timeout. Thread-safe.
 */
public final class NodeLink implements AutoCloseable {

    private static final long MAX_BACKOFF_MILLIS = 5_000;

    private final String id;
    private final String address;
    private final Duration timeout;
    private final ClusterSecret secret;
    private HazelcastInstance client;
    private IMap<Object, byte[]> map;
    private long retryAtNanos;
    private long backoffMillis;
    private boolean closed;

    private NodeLink(String id, String address, Duration timeout, ClusterSecret secret) {
        this.id = id;
        this.address = address;
        this.timeout = timeout;
        this.secret = secret;
    }

    /**
     * Makes links with one call timeout and the secret the nodes were started with.
     *
     * @param callTimeout bound of every call, and of connecting
     * @param secret the nodes' secret, or null for none; checked here, never shown
     */
    public static Opener opener(Duration callTimeout, String secret) {
        if (callTimeout == null || callTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("callTimeout must be >= 100ms, was " + callTimeout);
        }
        return new Opener(callTimeout, secret == null ? ClusterSecret.NONE : ClusterSecret.of(secret));
    }

    /** Makes {@link NodeLink}s that share a timeout and a secret. */
    public static final class Opener {
        private final Duration timeout;
        private final ClusterSecret secret;

        private Opener(Duration timeout, ClusterSecret secret) {
            this.timeout = timeout;
            this.secret = secret;
        }

        /** A link to the node {@code nodeId} at {@code host:port}; it connects on first use. */
        public NodeLink open(String nodeId, String address) {
            if (nodeId == null || nodeId.isEmpty() || address == null || address.isEmpty()) {
                throw new IllegalArgumentException("a node link needs a node id and an address, got " + nodeId
                        + " at " + address);
            }
            return new NodeLink(nodeId, address, timeout, secret);
        }
    }

    public String id() {
        return id;
    }

    public String address() {
        return address;
    }

    /**
     * Deletes the keys on the node in one call, leaving a tombstone for {@code tombstoneTtl} at {@code version}, or
     * at the version the node held if that is newer ({@link Invalidate}): so no write older than the deletion, from
     * any process, can bring a value back while the tombstone lives. Throws unless the node confirmed it in time.
     *
     * @param version the deletion's version in the key space's scheme (for the cluster client's clock versions,
     *                {@link ClockVersion#at}); {@code Long.MIN_VALUE} to use only the version each key held
     * @param tombstoneTtl how long the tombstones keep older writes out ({@link CacheCluster#tombstoneTtl()})
     */
    public void deleteAll(Collection<String> keys, long version, Duration tombstoneTtl) {
        invalidate(keys, new Invalidate(version, checkedTtl(tombstoneTtl)));
    }

    /**
     * Invalidates the keys below a changed row's current version in one call: a value or tombstone at {@code
     * rowVersion} or newer stays, anything older (and an absent key) becomes a tombstone at {@code rowVersion - 1}
     * for {@code tombstoneTtl}. So a reload of the current row is cached at once and no older value, also one loaded
     * before the change, can come back. Throws unless the node confirmed it in time.
     */
    public void deleteOlderThan(Collection<String> keys, long rowVersion, Duration tombstoneTtl) {
        if (rowVersion == Long.MIN_VALUE) {
            throw new IllegalArgumentException("rowVersion must be a row's version, was Long.MIN_VALUE (unknown)");
        }
        invalidate(keys, new Invalidate(rowVersion, checkedTtl(tombstoneTtl), true));
    }

    private static long checkedTtl(Duration tombstoneTtl) {
        if (tombstoneTtl == null || tombstoneTtl.toMillis() < 1000) {
            throw new IllegalArgumentException("tombstoneTtl must be at least 1 s, was " + tombstoneTtl);
        }
        return tombstoneTtl.toMillis();
    }

    private void invalidate(Collection<String> keys, Invalidate invalidation) {
        IMap<Object, byte[]> m = connected();
        try {
            m.submitToKeys(new HashSet<Object>(keys), invalidation)
                    .toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw failed("delete", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed("delete", e);
        }
    }

    /** The number of entries the node holds; throws unless it answered in time. */
    public int size() {
        IMap<Object, byte[]> m = connected();
        try {
            return CompletableFuture.supplyAsync(m::size).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw failed("size", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed("size", e);
        }
    }

    /** Empties the node; throws unless it was confirmed. */
    public void clear() {
        IMap<Object, byte[]> m = connected();
        try {
            CompletableFuture.runAsync(m::clear).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw failed("clear", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed("clear", e);
        }
    }

    private synchronized IMap<Object, byte[]> connected() {
        if (closed) {
            throw new IllegalStateException("link to cache node '" + id + "' is closed");
        }
        HazelcastInstance c = client;
        if (c != null && c.getLifecycleService().isRunning()) {
            return map;
        }
        if (System.nanoTime() < retryAtNanos) {
            throw new IllegalStateException("cache node '" + id + "' at " + address + " was unreachable, next try in "
                    + (retryAtNanos - System.nanoTime()) / 1_000_000 + " ms");
        }
        try {
            if (c != null) {
                c.shutdown();
            }
            client = HazelcastClient.newHazelcastClient(config());
            map = client.getMap(WireFormat.MAP_NAME);
            backoffMillis = 0;
            return map;
        } catch (RuntimeException e) {
            client = null;
            backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis == 0 ? 200 : backoffMillis * 2);
            retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
            throw new IllegalStateException("cannot reach cache node '" + id + "' at " + address + ": "
                    + e.getMessage(), e);
        }
    }

    private IllegalStateException failed(String what, Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return new IllegalStateException(what + " on cache node '" + id + "' at " + address + " failed: " + cause, e);
    }

    /** Bounded everywhere: connect, calls (the heartbeat drops a silent node) and no reconnect loop of its own. */
    private ClientConfig config() {
        long millis = timeout.toMillis();
        ClientConfig cc = new ClientConfig();
        cc.setClusterName(secret.clusterName(id));
        cc.setInstanceName("ringroute-invalidator-" + id + "-" + System.identityHashCode(this));
        cc.getNetworkConfig().addAddress(address).setConnectionTimeout((int) millis);
        cc.getNetworkConfig().getClusterRoutingConfig().setRoutingMode(RoutingMode.SINGLE_MEMBER);
        cc.getNetworkConfig().getAutoDetectionConfig().setEnabled(false);
        cc.getConnectionStrategyConfig().setReconnectMode(ReconnectMode.OFF)
                .getConnectionRetryConfig().setClusterConnectTimeoutMillis(millis);
        for (String[] p : new String[][] {
                {"hazelcast.client.invocation.timeout.seconds", Long.toString(Math.max(1, millis / 1000))},
                {"hazelcast.client.heartbeat.interval", Long.toString(Math.max(100, millis / 4))},
                {"hazelcast.client.heartbeat.timeout", Long.toString(millis)},
                {"hazelcast.client.shutdownhook.enabled", "false"},
                {"hazelcast.phone.home.enabled", "false"},
                {"hazelcast.logging.type", "slf4j"},
                {"hazelcast.client.event.thread.count", "1"},
                {"hazelcast.client.io.input.thread.count", "1"},
                {"hazelcast.client.io.output.thread.count", "1"},
                {"hazelcast.client.response.thread.count", "1"}}) {
            cc.setProperty(p[0], p[1]);
        }
        if (secret.isSet()) {
            cc.setProperty("hazelcast.logging.details.enabled", "false"); // log lines would show the cluster name
        }
        WireFormat.configure(cc.getSerializationConfig());
        CoherenceSerializables.register(cc.getSerializationConfig());
        return cc;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (client != null) {
            client.shutdown();
            client = null;
        }
    }

    @Override
    public String toString() {
        return "NodeLink{" + id + " at " + address + "}";
    }
}
