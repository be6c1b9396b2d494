package io.ringroute.shard.embedded;

import io.ringroute.shard.config.ShardTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embedded PostgreSQL shards for tests, benchmarks and the demo: each shard a primary plus streaming standbys,
 * optionally with a fixed apply delay so that replica lag is real and deterministic. Initdb runs once per JVM;
 * every other server is a copy (primaries) or an online clone (standbys). {@link #close()} stops every server and
 * deletes every data directory; a shutdown hook does the same if the JVM exits first, unless the application
 * closes the cluster from its own hook ({@link Builder#shutdownHook(boolean)}).
 *
 * <pre>{@code
 * try (EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shards(2).replicasPerShard(1)
 *         .replicaApplyDelay(Duration.ofMillis(400)).start()) {
 *     ShardRouter router = ShardRouter.builder().topology(cluster.topology()).build();
 * }
 * }</pre>
 */
public final class EmbeddedShardCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedShardCluster.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,40}");

    private final Path root;
    private final int replicasPerShard;
    private final Duration applyDelay;
    private final int vnodesPerShard;
    private final Map<String, String> serverConfig;
    private final Duration connectionTimeout;
    private final SuperuserPassword password = SuperuserPassword.random();
    private final Map<String, EmbeddedShard> shards = new LinkedHashMap<>();
    private final List<EmbeddedServer> standalone = new ArrayList<>();
    private final Thread shutdownHook;      // null when the application closes the cluster itself
    private boolean closed;

    private EmbeddedShardCluster(Builder b) {
        this.root = DataDirectories.newClusterRoot();
        this.replicasPerShard = b.replicasPerShard;
        this.applyDelay = b.applyDelay;
        this.vnodesPerShard = b.vnodesPerShard;
        this.serverConfig = Map.of("synchronous_commit", b.synchronousCommit ? "on" : "off",
                "max_connections", Integer.toString(b.maxConnections),
                "wal_level", b.logicalDecoding ? "logical" : "replica");
        this.connectionTimeout = b.connectionTimeout;
        this.shutdownHook = b.shutdownHook ? new Thread(this::stopAll, "ringroute-embedded-cluster-shutdown") : null;
        if (shutdownHook != null) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every shard started so far, as a topology. */
    public synchronized ShardTopology topology() {
        ShardTopology.Builder b = ShardTopology.builder().vnodesPerShard(vnodesPerShard);
        shards.values().forEach(s -> b.shard(s.spec()));
        return b.build();
    }

    public synchronized List<EmbeddedShard> shards() {
        return List.copyOf(shards.values());
    }

    public synchronized EmbeddedShard shard(String name) {
        EmbeddedShard s = shards.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no embedded shard '" + name + "' (shards: " + shards.keySet() + ")");
        }
        return s;
    }

    /** Starts one more shard with this cluster's replica settings (e.g. the target of a resharding). */
    public synchronized EmbeddedShard addShard(String name) {
        requireOpen();
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("shard name must be 1-40 letters, digits, '_' or '-', was '" + name
                    + "'");
        }
        if (shards.containsKey(name)) {
            throw new IllegalArgumentException("shard '" + name + "' already exists");
        }
        long start = System.nanoTime();
        EmbeddedServer primary = EmbeddedServer.startPrimary(name + "-primary", root.resolve(name + "-primary"),
                serverConfig, connectionTimeout, password);
        List<EmbeddedServer> replicas = new ArrayList<>();
        EmbeddedShard shard = new EmbeddedShard(name, primary, replicas);
        shards.put(name, shard);            // registered first, so close() stops it even if a clone fails
        for (int i = 0; i < replicasPerShard; i++) {
            replicas.add(primary.cloneStandby(name + "-replica" + i, root.resolve(name + "-replica" + i),
                    applyDelay));
        }
        shard = new EmbeddedShard(name, primary, replicas);
        shards.put(name, shard);
        LOG.info("embedded shard {} (primary + {} standbys) up in {} ms", name, replicasPerShard,
                (System.nanoTime() - start) / 1_000_000);
        return shard;
    }

    /** A lone server owned by this cluster, e.g. for the topology catalog. */
    public synchronized EmbeddedServer startStandalone(String name) {
        requireOpen();
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("server name must be 1-40 letters, digits, '_' or '-', was '" + name
                    + "'");
        }
        EmbeddedServer s = EmbeddedServer.startPrimary(name, root.resolve(name), serverConfig, connectionTimeout,
                password);
        standalone.add(s);
        return s;
    }

    /** Where the data directories and server logs are. */
    public Path root() {
        return root;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        stopAll();
        if (shutdownHook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook runs stopAll, which is idempotent
        }
    }

    /** Whether this cluster stops itself when the JVM exits ({@link Builder#shutdownHook(boolean)}). */
    public boolean hasShutdownHook() {
        return shutdownHook != null;
    }

    private synchronized void stopAll() {
        if (closed) {
            return;
        }
        closed = true;
        for (EmbeddedShard s : shards.values()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.warn("stopping shard {} failed: {}", s.name(), e.getMessage());
            }
        }
        standalone.forEach(EmbeddedServer::close);
        DataDirectories.delete(root);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the embedded cluster is closed");
        }
    }

    /** Builds and starts an {@link EmbeddedShardCluster}. */
    public static final class Builder {
        private final List<String> names = new ArrayList<>();
        private int replicasPerShard = 1;
        private Duration applyDelay = Duration.ZERO;
        private int vnodesPerShard = io.ringroute.ring.HashRing.DEFAULT_VNODES;
        private boolean synchronousCommit = true;
        private int maxConnections = 300;
        private Duration connectionTimeout = Duration.ofSeconds(1);
        private boolean shutdownHook = true;
        private boolean logicalDecoding;

        private Builder() {
        }

        /** {@code count} shards named {@code shard-0}, {@code shard-1}, ... */
        public Builder shards(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("shard count must be >= 1, was " + count);
            }
            names.clear();
            for (int i = 0; i < count; i++) {
                names.add("shard-" + i);
            }
            return this;
        }

        public Builder shardNames(String... shardNames) {
            if (shardNames.length == 0) {
                throw new IllegalArgumentException("at least one shard name is required");
            }
            names.clear();
            names.addAll(List.of(shardNames));
            return this;
        }

        public Builder replicasPerShard(int replicas) {
            if (replicas < 0) {
                throw new IllegalArgumentException("replicasPerShard must be >= 0, was " + replicas);
            }
            this.replicasPerShard = replicas;
            return this;
        }

        /** recovery_min_apply_delay of every standby (default 0). */
        public Builder replicaApplyDelay(Duration delay) {
            if (delay == null || delay.isNegative()) {
                throw new IllegalArgumentException("replicaApplyDelay must be >= 0, was " + delay);
            }
            this.applyDelay = delay;
            return this;
        }

        public Builder vnodesPerShard(int vnodes) {
            if (vnodes < 1) {
                throw new IllegalArgumentException("vnodesPerShard must be >= 1, was " + vnodes);
            }
            this.vnodesPerShard = vnodes;
            return this;
        }

        /**
         * synchronous_commit on the servers (default on: WAL reaches standbys within a millisecond; with off it is
         * shipped every wal_writer_delay, 200 ms). fsync stays off, as zonky starts every server.
         */
        public Builder synchronousCommit(boolean on) {
            this.synchronousCommit = on;
            return this;
        }

        public Builder maxConnections(int max) {
            if (max < 10) {
                throw new IllegalArgumentException("maxConnections must be >= 10, was " + max);
            }
            this.maxConnections = max;
            return this;
        }

        /** The connection timeout of the ServerSpecs this cluster hands out (default 1 s). */
        public Builder connectionTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 250) {
                throw new IllegalArgumentException("connectionTimeout must be >= 250ms, was " + timeout);
            }
            this.connectionTimeout = timeout;
            return this;
        }

        /**
         * Whether the cluster installs a JVM shutdown hook that stops it (default true). Turn it off when the
         * application closes the cluster from its own hook: two hooks run in parallel and would race to stop the
         * same servers.
         */
        public Builder shutdownHook(boolean install) {
            this.shutdownHook = install;
            return this;
        }

        /** Whether the servers run with wal_level = logical, for logical replication slots (default false). */
        public Builder logicalDecoding(boolean on) {
            this.logicalDecoding = on;
            return this;
        }

        /** Starts the shards one at a time (parallel starts are slower on small machines). */
        public EmbeddedShardCluster start() {
            if (names.isEmpty()) {
                shards(2);
            }
            EmbeddedShardCluster cluster = new EmbeddedShardCluster(this);
            try {
                names.forEach(cluster::addShard);
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
            return cluster;
        }
    }
}
