package io.ringroute.shard;

import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import io.ringroute.ring.KeyHash;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.RouterConfig;
import io.ringroute.shard.config.ShardTopology;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Collector;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes keys to PostgreSQL shards: the key's ring token ({@link KeyHash}) picks the shard, the consistency level
 * picks the server (primary or a replica), and every write through a {@link Session} records the commit's WAL
 * position so that the session's later reads never see a replica that has not replayed it.
 *
 * <p>One HikariCP pool per physical server. Replica replay positions and health are polled in the background, so
 * choosing a server costs a binary search and a few volatile reads: no lock, no allocation, no round trip.
 *
 * <p>A facade: the write protocol is {@link WritePath}, reads {@link ReadPath}, the parallel shard query
 * {@link ScatterGather}, the JDBC facade {@link RoutingDataSource}, the servers and current routing table
 * {@link RouterTopology}.
 *
 * <pre>{@code
 * try (ShardRouter router = ShardRouter.builder().config(RouterConfig.load(path)).build()) {
 *     Session session = router.session();
 *     session.write("user:42", c -> c.prepareStatement("UPDATE ...").executeUpdate());
 *     String name = session.read("user:42", Consistency.SESSION, c -> ...);   // never stale
 * }
 * }</pre>
 */
public final class ShardRouter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShardRouter.class);

    private final RouterConfig config;
    private final RouterTopology topology;
    private final WritePath writes;
    private final ReadPath reads;
    private final ScatterGather scatter;
    private final RoutingDataSource dataSource;
    private final ReplicaPoller poller;

    private ShardRouter(RouterConfig config) {
        this.config = config;
        this.topology = new RouterTopology(config);
        this.writes = new WritePath(topology, config.fenceWait(),
                config.catalog().map(CatalogSpec::writeLeases).orElse(false));
        this.reads = new ReadPath(topology, config.sessionWait());
        this.scatter = new ScatterGather(topology, reads);
        this.poller = new ReplicaPoller(topology.servers(), config.replicaPollInterval());
        this.poller.start();
        this.dataSource = new RoutingDataSource(topology, writes, reads);
        LOG.info("shard router started: {} shards {}, replica poll every {} ms, {}", topology.servers().size(),
                topology.servers().stream().map(s -> s.name).toList(), config.replicaPollInterval().toMillis(),
                topology.catalog() == null ? "static topology"
                        : "topology catalog " + config.catalog().get() + " at epoch " + topology.table().epoch);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A router configured from a properties file ({@link RouterConfig}). */
    public static ShardRouter fromConfig(Path file) {
        return builder().config(RouterConfig.load(file)).build();
    }

    public RouterConfig config() {
        return config;
    }

    /** The topology epoch this router routes by (0 for a static topology). */
    public long epoch() {
        return topology.table().epoch;
    }

    // ---- routing -------------------------------------------------------------------------------------------

    /** The name of the shard that owns a key. */
    public String shardOf(String key) {
        return topology.table().shardFor(KeyHash.token(key)).name;
    }

    /**
     * Where a read of the key would go right now, as {@code shard/primary} or {@code shard/replicaN}: the whole
     * routing decision without borrowing a connection. For diagnostics and benchmarks.
     */
    public String serverFor(String key, Consistency consistency, Session session) {
        ReadPath.requireSession(consistency, session);
        ShardServers shard = topology.table().shardFor(KeyHash.token(key));
        ServerPool replica = shard.replicaFor(consistency, session == null ? null : session.routingToken());
        return replica == null ? shard.primary.name : replica.name;
    }

    // ---- sessions ------------------------------------------------------------------------------------------

    /** A new session that has written nothing. */
    public Session session() {
        return new Session(this, ConsistencyToken.empty().sealedWith(config.tokenKeys()));
    }

    /** A session continuing from a token object (trusted as it is; its text form is sealed by this router). */
    public Session session(ConsistencyToken token) {
        if (token == null) {
            throw new IllegalArgumentException("consistency token must not be null");
        }
        return new Session(this, token.sealedWith(config.tokenKeys()));
    }

    /**
     * A session continuing from a token's text form (e.g. one a client sent back), checked against this router's
     * token secrets.
     *
     * @throws InvalidTokenException naming the problem when the token is malformed, altered, forged, signed with a
     *                               secret this router does not accept, or of the old unchecked format
     */
    public Session session(String token) {
        return session(ConsistencyToken.parse(token, config.tokenKeys()));
    }

    // ---- writes and reads ----------------------------------------------------------------------------------

    /**
     * Runs {@code work} in a transaction on the primary of the key's shard and commits it. Without a session, so
     * nothing is remembered for read-your-writes; use {@link Session#write} for that.
     *
     * @throws ShardUnavailableException if the primary cannot be reached within its connection timeout
     */
    public <T> T write(String key, ShardWork<T> work) throws SQLException {
        return writes.write(null, key, work);
    }

    <T> T write(Session session, String key, ShardWork<T> work) throws SQLException {
        return writes.write(session, key, work);
    }

    /**
     * Runs a read of the key's shard at a consistency level: STRONG on the primary; EVENTUAL and bounded staleness
     * on a replica when one qualifies, else on the primary. SESSION needs a {@link Session}.
     */
    public <T> T read(String key, Consistency consistency, ShardWork<T> work) throws SQLException {
        return reads.read(null, key, consistency, work);
    }

    <T> T read(Session session, String key, Consistency consistency, ShardWork<T> work) throws SQLException {
        return reads.read(session, key, consistency, work);
    }

    /**
     * Runs {@code work} on every shard in parallel (each shard's server chosen by {@code consistency}) and merges
     * the results with {@code merge}, in shard name order. Each shard's connection gets a network timeout of what
     * is left of {@code timeout}, so no thread stays blocked past it.
     *
     * @throws ScatterTimeoutException naming the shards that had not answered within {@code timeout}
     */
    public <T, R> R scatterGather(Consistency consistency, Duration timeout, ShardWork<T> work,
                                  Collector<? super T, ?, R> merge) throws SQLException {
        return scatter.run(null, consistency, timeout, work, merge);
    }

    <T, R> R scatterGather(Session session, Consistency consistency, Duration timeout, ShardWork<T> work,
                           Collector<? super T, ?, R> merge) throws SQLException {
        return scatter.run(session, consistency, timeout, work, merge);
    }

    // ---- DataSource facade ---------------------------------------------------------------------------------

    /**
     * A {@link DataSource} that routes each {@code getConnection()} by the scope bound to the current thread
     * ({@link #writeScope}, {@link #readScope}, or the same on a {@link Session}), so JDBC code, Spring's
     * JdbcTemplate or jOOQ work unchanged inside a scope. A write scope's connection is the primary's; closing it
     * records the session's position. Without a scope, {@code getConnection()} fails with a message saying so.
     */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Binds the key's primary to {@link #dataSource()} on this thread until the scope is closed. */
    public ShardScope writeScope(String key) {
        return dataSource.bind(key, null, null);
    }

    /** Binds a read of the key at a consistency (not SESSION: use a session's scope) to {@link #dataSource()}. */
    public ShardScope readScope(String key, Consistency consistency) {
        if (consistency == null) {
            throw new IllegalArgumentException("consistency must not be null");
        }
        return dataSource.bind(key, consistency, null);
    }

    ShardScope bind(String key, Consistency consistency, Session session) {
        return dataSource.bind(key, consistency, session);
    }

    // ---- metrics and lifecycle -----------------------------------------------------------------------------

    public RouterMetrics metrics() {
        return topology.metrics();
    }

    /**
     * Hands every connection pool of this router a HikariCP metrics tracker (e.g. its
     * {@code MicrometerMetricsTrackerFactory}); HikariCP allows this once per pool.
     *
     * @throws IllegalStateException when the pools already have one
     */
    public void poolMetrics(MetricsTrackerFactory factory) {
        if (factory == null) {
            throw new IllegalArgumentException("factory must not be null");
        }
        topology.poolMetrics(factory);
    }

    @Override
    public void close() {
        topology.stopWatching();
        poller.close();
        scatter.close();
        topology.close();
        LOG.info("shard router closed");
    }

    /** Builds a {@link ShardRouter}; setters check their argument and name the bad value. */
    public static final class Builder {
        private ShardTopology topology;
        private Duration replicaPollInterval = RouterConfig.DEFAULT_REPLICA_POLL_INTERVAL;
        private Duration sessionWait = Duration.ZERO;
        private Optional<CatalogSpec> catalog = Optional.empty();
        private Duration fenceWait = RouterConfig.DEFAULT_FENCE_WAIT;
        private TokenKeys tokenKeys = TokenKeys.none();

        private Builder() {
        }

        /** Takes every setting from a loaded configuration. */
        public Builder config(RouterConfig config) {
            if (config == null) {
                throw new IllegalArgumentException("config must not be null");
            }
            this.topology = config.topology();
            this.replicaPollInterval = config.replicaPollInterval();
            this.sessionWait = config.sessionWait();
            this.catalog = config.catalog();
            this.fenceWait = config.fenceWait();
            this.tokenKeys = config.tokenKeys();
            return this;
        }

        /**
         * How long a write unit waits for a shard's write gate while a resharding cutover holds it (default 2 s);
         * then it fails with {@link WriteFenceTimeoutException}, and nothing of it has run.
         */
        public Builder fenceWait(Duration wait) {
            if (wait == null || wait.toMillis() < 1) {
                throw new IllegalArgumentException("fenceWait must be >= 1ms, was " + wait);
            }
            this.fenceWait = wait;
            return this;
        }

        /** Signs consistency tokens with these secrets (the first signs, all verify); default: checksum only. */
        public Builder tokenKeys(TokenKeys keys) {
            if (keys == null) {
                throw new IllegalArgumentException("tokenKeys must not be null (use TokenKeys.none())");
            }
            this.tokenKeys = keys;
            return this;
        }

        public Builder topology(ShardTopology topology) {
            if (topology == null) {
                throw new IllegalArgumentException("topology must not be null");
            }
            this.topology = topology;
            return this;
        }

        /** How often replica positions and health are polled (default 100 ms, at least 5 ms). */
        public Builder replicaPollInterval(Duration interval) {
            if (interval == null || interval.toMillis() < 5) {
                throw new IllegalArgumentException("replicaPollInterval must be >= 5ms, was " + interval);
            }
            this.replicaPollInterval = interval;
            return this;
        }

        /**
         * How long a SESSION read may wait for a replica to replay the session's writes before it goes to the
         * primary (default 0: go to the primary at once).
         */
        public Builder sessionWait(Duration wait) {
            if (wait == null || wait.isNegative()) {
                throw new IllegalArgumentException("sessionWait must be >= 0, was " + wait);
            }
            this.sessionWait = wait;
            return this;
        }

        /** Shares the topology through a catalog, so that resharding can change it online. */
        public Builder catalog(CatalogSpec catalog) {
            if (catalog == null) {
                throw new IllegalArgumentException("catalog must not be null");
            }
            this.catalog = Optional.of(catalog);
            return this;
        }

        public ShardRouter build() {
            if (topology == null) {
                throw new IllegalStateException("a topology is required: call topology(...) or config(...)");
            }
            return new ShardRouter(new RouterConfig(topology, replicaPollInterval, sessionWait, catalog, fenceWait,
                    tokenKeys));
        }
    }
}
