package io.ringroute.cache;

import io.ringroute.cache.wire.VersionedWrite;
import io.ringroute.cache.wire.WireFormat;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.ringroute.ring.Node;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The Hazelcast client behind one node's link ({@link HazelcastClientConfig}: that node only, bounded connect and call
 * times, no reconnect loop) and the calls that are not charged to the node's health: the membership registry and the
 * range transfers' executor. A lost connection is reported once to {@code onLost}; {@link #reopenIfLost} (the
 * probe's) replaces the client. The cache map is read from a volatile field on every data call, without allocating.
 */
final class NodeConnection {

    private final Node node;
    private final String address;
    private final ClientSettings settings;
    private final Consumer<String> onLost;

    private volatile HazelcastInstance client;
    private volatile String clientInstance;
    private volatile IMap<Object, byte[]> map;
    private volatile UUID memberId;
    private volatile Runnable registryListener;

    /** {@code onLost} gets why the current client lost its connection (it is of no use from then on). */
    NodeConnection(Node node, String address, ClientSettings settings, Consumer<String> onLost) {
        this.node = node;
        this.address = address;
        this.settings = settings;
        this.onLost = onLost;
    }

    /** Opens a new client, throwing when the node cannot be reached within the connect timeout. */
    void open() {
        HazelcastInstance c = HazelcastClient.newHazelcastClient(HazelcastClientConfig.of(node, address, settings));
        c.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.CLIENT_DISCONNECTED
                    || event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN) {
                if (client == c) {
                    onLost.accept("connection lost (" + event.getState() + ")");
                }
            }
        });
        map = c.getMap(WireFormat.MAP_NAME);
        client = c;
        clientInstance = c.getName();
        listenTo(c);
    }

    /** Opens a new client unless the current one still runs. */
    void reopenIfLost() {
        HazelcastInstance c = client;
        if (c == null || !c.getLifecycleService().isRunning()) {
            if (c != null) {
                c.shutdown();
            }
            open();
        }
    }

    /** Whether a client was ever opened (it may have lost its connection since). */
    boolean opened() {
        return client != null;
    }

    /** The Hazelcast instance name of the current client, or null before the first connect. */
    String instanceName() {
        return clientInstance;
    }

    /** The node's cache map. */
    IMap<Object, byte[]> map() {
        IMap<Object, byte[]> m = map;
        if (m == null) {
            throw notConnected();
        }
        return m;
    }

    /** Whether the member behind the address is another one than at the last check (the node restarted). */
    boolean restarted() {
        UUID now = client().getCluster().getMembers().iterator().next().getUuid();
        UUID before = memberId;
        memberId = now;
        return before != null && !before.equals(now);
    }

    /** Runs a range task on the member, bounded by the transfer timeout. */
    <T> T submit(Callable<T> task) throws ExecutionException, TimeoutException, InterruptedException {
        return client().getExecutorService(WireFormat.WARMING_EXECUTOR).submit(task)
                .get(settings.transferTimeout().toMillis(), TimeUnit.MILLISECONDS);
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
        return client().getMap(MembershipRegistry.MAP_NAME);
    }

    private HazelcastInstance client() {
        HazelcastInstance c = client;
        if (c == null) {
            throw notConnected();
        }
        return c;
    }

    private IllegalStateException notConnected() {
        return new IllegalStateException("cache node '" + node.id() + "' at " + address + " is not connected");
    }

    /** Shuts the current client down (the node keeps running). */
    void close() {
        HazelcastInstance c = client;
        if (c != null) {
            c.shutdown();
        }
    }
}
