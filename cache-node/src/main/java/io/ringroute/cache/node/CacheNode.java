package io.ringroute.cache.node;

import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.wire.ClusterSecret;
import io.ringroute.cache.wire.CoherenceSerializables;
import io.ringroute.cache.wire.WireFormat;
import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastException;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cache node: a Hazelcast member that is its own one-member cluster, holding the cache map. It discovers no
 * other member (every join method is off), does not phone home, binds only the configured interface, and evicts by
 * the configured policy and bound. Replication across nodes is the {@link CacheCluster}'s job, so the map keeps no
 * backups.
 *
 * <p>Hardened for a port others may reach: Java deserialization is refused ({@link WireFormat}); Jet (and with it
 * SQL and job upload), the REST and memcache text endpoints, Management Center scripting, console and data access,
 * user code deployment, every join method and phone-home are off. Open-source Hazelcast has no client
 * authentication but the cluster name, which a {@link CacheNodeConfig.Builder#secret(String) secret} makes
 * unguessable, and no TLS.
 *
 * <p>Start one with {@link #start(CacheNodeConfig)}, in-process or from {@link CacheNodeMain}; {@link #close()}
 * shuts it down gracefully.
 */
public final class CacheNode implements AutoCloseable {

    /** The map that holds the cache entries on every node. */
    public static final String MAP_NAME = WireFormat.MAP_NAME;

    private static final Logger LOG = LoggerFactory.getLogger(CacheNode.class);

    private final CacheNodeConfig config;
    private final HazelcastInstance member;

    private CacheNode(CacheNodeConfig config, HazelcastInstance member) {
        this.config = config;
        this.member = member;
    }

    /**
     * Starts a node and returns once it accepts clients.
     *
     * @throws IllegalStateException naming the address and the cause (the port is in use, the host is not an
     *     address of this machine) when the node cannot listen
     */
    public static CacheNode start(CacheNodeConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        Config hz = memberConfig(config);
        requireListenable(config, hz.getNetworkConfig().isReuseAddress());
        try {
            HazelcastInstance member = Hazelcast.newHazelcastInstance(hz);
            LOG.info("cache node {} listening on {} ({}, {}, ttl {}, {})", config.name(), config.address(),
                    config.maxSize(), config.eviction(), config.ttl(), config.hasSecret() ? "secret" : "no secret");
            return new CacheNode(config, member);
        } catch (HazelcastException e) {
            throw new IllegalStateException(cannotListen(config, rootCause(e).getMessage()), e);
        }
    }

    /**
     * The cluster name of a node without a secret: clients must present it, so a client cannot reach the wrong
     * node by mistake. It is guessable; a node with a secret has another name.
     */
    public static String clusterName(String nodeId) {
        return ClusterSecret.NONE.clusterName(nodeId);
    }

    public CacheNodeConfig config() {
        return config;
    }

    public String name() {
        return config.name();
    }

    /** {@code host:port} clients connect to. */
    public String address() {
        return config.address();
    }

    /** True while the member runs and its cache map answers. */
    public boolean isHealthy() {
        try {
            if (!member.getLifecycleService().isRunning()) {
                return false;
            }
            map().size();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The number of entries held now (expired ones may linger until the next sweep). */
    public int entryCount() {
        return map().size();
    }

    /** The cache map, in-process: for tests and embedded use. */
    public IMap<Object, byte[]> map() {
        return member.getMap(MAP_NAME);
    }

    /** Shuts the member down gracefully: it finishes running operations and closes its connections. */
    @Override
    public void close() {
        if (member.getLifecycleService().isRunning()) {
            member.shutdown();
            LOG.info("cache node {} stopped", config.name());
        }
    }

    /** Stops the member abruptly, as a crash would: connections drop, nothing is flushed. For failure drills. */
    public void terminate() {
        member.getLifecycleService().terminate();
    }

    @Override
    public String toString() {
        return "CacheNode{" + config.name() + " at " + config.address() + "}";
    }

    /** Checks before Hazelcast tries (and logs a stack trace when it fails) that the node can listen. */
    private static void requireListenable(CacheNodeConfig config, boolean reuseAddress) {
        InetAddress address = config.bindAddress();
        try {
            if (!address.isLoopbackAddress() && !address.isAnyLocalAddress()
                    && NetworkInterface.getByInetAddress(address) == null) {
                throw new IllegalStateException(cannotListen(config, address.getHostAddress()
                        + " is not an address of this machine"));
            }
        } catch (SocketException e) {
            throw new IllegalStateException(cannotListen(config, "cannot list the network interfaces: "
                    + e.getMessage()), e);
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(reuseAddress);
            probe.bind(new InetSocketAddress(address, config.port()));
        } catch (IOException e) { // "Address already in use", "Permission denied", ...
            throw new IllegalStateException(cannotListen(config, e.getMessage()), e);
        }
    }

    private static String cannotListen(CacheNodeConfig config, String cause) {
        return "cache node " + config.name() + " cannot listen on " + config.address() + ": " + cause;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static Config memberConfig(CacheNodeConfig config) {
        Config hz = new Config();
        hz.setClusterName(config.clusterName());
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        hz.setProperty("hazelcast.socket.bind.any", "false");
        hz.setProperty("hazelcast.logging.type", "slf4j");
        if (config.hasSecret()) {
            // Hazelcast starts every log line with the cluster name, which is the credential here.
            hz.setProperty("hazelcast.logging.details.enabled", "false");
        }
        // The CLI installs its own hook that shuts down gracefully; an embedding application owns its lifecycle.
        hz.setProperty("hazelcast.shutdownhook.enabled", "false");
        hz.setProperty("hazelcast.local.localAddress", config.bindAddress().getHostAddress());
        config.hazelcastProperties().forEach(hz::setProperty);
        WireFormat.configure(hz.getSerializationConfig());
        // Off by default in 5.7 too; set here so that no default change or inherited setting turns them on.
        hz.getJetConfig().setEnabled(false).setResourceUploadEnabled(false);
        hz.getManagementCenterConfig().setScriptingEnabled(false).setConsoleEnabled(false)
                .setDataAccessEnabled(false);
        hz.getUserCodeDeploymentConfig().setEnabled(false);

        NetworkConfig network = hz.getNetworkConfig();
        network.setPort(config.port()).setPortAutoIncrement(false);
        network.getRestApiConfig().setEnabled(false);
        network.getMemcacheProtocolConfig().setEnabled(false);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(false);
        // Auto-detection would otherwise probe cloud environments and delay the start by seconds.
        join.getAutoDetectionConfig().setEnabled(false);

        EvictionConfig eviction = new EvictionConfig()
                .setEvictionPolicy(config.eviction() == Eviction.LFU ? EvictionPolicy.LFU : EvictionPolicy.LRU)
                .setMaxSizePolicy(config.maxSize().unit() == MaxSize.Unit.ENTRIES
                        ? MaxSizePolicy.PER_NODE : MaxSizePolicy.USED_HEAP_SIZE)
                .setSize(config.maxSize().value());
        hz.addMapConfig(new MapConfig(MAP_NAME)
                .setBackupCount(0)
                .setAsyncBackupCount(0)
                .setTimeToLiveSeconds((int) config.ttl().getSeconds())
                .setEvictionConfig(eviction));
        hz.addExecutorConfig(new ExecutorConfig(WireFormat.WARMING_EXECUTOR).setPoolSize(2));
        CoherenceSerializables.register(hz.getSerializationConfig());
        return hz;
    }
}
