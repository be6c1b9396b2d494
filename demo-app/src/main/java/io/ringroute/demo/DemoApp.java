package io.ringroute.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.metrics.CacheMeterBinder;
import io.ringroute.demo.ops.LoadGenerator;
import io.ringroute.demo.ops.MetricsHistory;
import io.ringroute.demo.ops.Seeder;
import io.ringroute.demo.social.KeyValueCache;
import io.ringroute.demo.social.Schema;
import io.ringroute.demo.social.Social;
import io.ringroute.demo.web.DemoServer;
import io.ringroute.shard.DirectConnections;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.RouterConfig;
import io.ringroute.shard.config.ShardSpec;
import io.ringroute.shard.metrics.RouterMeterBinder;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole demo, started in order and stopped in reverse: servers (embedded mode), the cache cluster client, the
 * shard router, the schema on every shard, sample data, the load generator and the web server.
 */
public final class DemoApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DemoApp.class);
    /** How long a new shard's cache invalidator may take to start streaming before adding the shard fails. */
    private static final Duration INVALIDATOR_START = Duration.ofSeconds(60);

    private final List<AutoCloseable> stopInReverse = new ArrayList<>();
    private String host;
    private EmbeddedServers servers;
    private KeyValueCache cache;
    private Social social;
    private LoadGenerator load;
    private DemoServer server;
    private boolean closed;

    private DemoApp() {
    }

    /** An app that has started nothing yet: register {@link #close()} as a shutdown hook, then {@link #start}. */
    public static DemoApp create() {
        return new DemoApp();
    }

    public static DemoApp launch(DemoConfig config) {
        DemoApp app = create();
        app.start(config);
        return app;
    }

    /**
     * Starts everything; on failure stops what was started and rethrows. A {@link #close()} from another thread
     * (Ctrl-C while starting) stops what has started so far and makes this throw.
     */
    public void start(DemoConfig config) {
        try {
            startAll(config);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public Social social() {
        return social;
    }

    public int port() {
        return server.port();
    }

    public String url() {
        return "http://" + host + ":" + server.port() + "/";
    }

    public LoadGenerator load() {
        return load;
    }

    /** The cache as the domain uses it (tests plant stale entries through it). */
    KeyValueCache cache() {
        return cache;
    }

    /** The embedded servers; null in external mode. */
    EmbeddedServers servers() {
        return servers;
    }

    /** Stops everything this app started, newest first; safe to call twice (a shutdown hook and a test). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = stopInReverse.size() - 1; i >= 0; i--) {
            try {
                stopInReverse.get(i).close();
            } catch (Exception e) {
                log.warn("stopping {} failed: {}", stopInReverse.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        log.info("demo stopped");
    }

    /** Remembers a started part for {@link #close()}; if the app was closed meanwhile, stops the part at once. */
    private synchronized <T extends AutoCloseable> T own(T part) {
        if (closed) {
            try {
                part.close();
            } catch (Exception e) {
                log.warn("stopping {} failed: {}", part.getClass().getSimpleName(), e.toString());
            }
            throw new IllegalStateException("the demo was stopped while it was starting");
        }
        stopInReverse.add(part);
        return part;
    }

    private void startAll(DemoConfig config) {
        host = config.host();
        ObjectMapper json = new ObjectMapper();
        CacheCluster.Builder<byte[]> cacheBuilder = CacheCluster.builder().replicationFactor(config.cacheReplicas())
                .spreadHotKeyReads(config.spreadHotKeyReads());
        ShardRouter router;
        RouterConfig routerConfig;
        if (config.mode() == DemoConfig.Mode.EMBEDDED) {
            servers = own(EmbeddedServers.start(config));
            servers.cacheNodeAddresses().forEach(cacheBuilder::node);
            routerConfig = new RouterConfig(servers.topology(), RouterConfig.DEFAULT_REPLICA_POLL_INTERVAL,
                    Duration.ZERO, Optional.of(servers.catalog()));
        } else {
            config.externalCacheNodes().forEach(n -> cacheBuilder.node(n.id(), n.host() + ":" + n.port()));
            routerConfig = RouterConfig.load(config.shardTopology().orElseThrow());
        }
        prepareShards(routerConfig);
        RouterDatabase db = own(new RouterDatabase(ShardRouter.builder().config(routerConfig).build()));
        CacheCluster<byte[]> cluster = own(cacheBuilder.build());
        cache = new ClusterCache(cluster);
        WalInvalidation invalidation = servers == null ? null
                : own(WalInvalidation.start(cluster, servers.catalog().server(), servers::topology));

        social = new Social(db, cache, json, config.celebrityThreshold(),
                config.profileTtl(), config.postTtl(), config.timelineTtl());
        if (config.mode() == DemoConfig.Mode.EMBEDDED) {
            Seeder.seed(social, config.seedUsers());
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RouterMeterBinder routerMeters = new RouterMeterBinder(db::router);
        routerMeters.bindTo(registry);
        new CacheMeterBinder(cluster).bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        LiveTopology topology = own(new LiveTopology(cluster, db, servers, () -> routerMeters.bindTo(registry),
                invalidation == null ? shard -> { }
                        : shard -> invalidation.requireFollowing(shard, INVALIDATOR_START)));
        load = own(new LoadGenerator(social));
        MetricsHistory history = own(MetricsHistory.start(topology, load));
        server = own(DemoServer.start(config.host(), config.port(), config.webPolicy(), social, topology, load,
                config.mode().name().toLowerCase(), json, history, registry::scrape));
        if (config.loadRate() > 0) {
            load.start(config.loadRate());
        }
    }

    /**
     * Creates the tables on every shard's primary and, with a topology catalog, seeds it with the configured shards
     * (an existing catalog keeps its own) and registers the sharded tables, so that resharding can move them.
     * Idempotent.
     */
    public static void prepareShards(RouterConfig config) {
        for (ShardSpec shard : config.topology().shards()) {
            try (Connection c = DirectConnections.open(shard.primary(), "ringroute-demo-setup")) {
                Schema.apply(c);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create the tables on shard " + shard.name() + " ("
                        + shard.primary().redactedUrl() + "): " + e.getMessage(), e);
            }
        }
        if (config.catalog().isPresent()) {
            try (TopologyCatalog catalog = TopologyCatalog.connect(config.catalog().get())) {
                catalog.initialize(config.topology());
                for (ShardedTable t : Schema.TABLES) {
                    catalog.registerTable(t);
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot prepare the topology catalog at "
                        + config.catalog().get().server().redactedUrl() + ": " + e.getMessage(), e);
            }
        }
    }
}
