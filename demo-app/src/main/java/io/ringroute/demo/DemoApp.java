package io.ringroute.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringroute.cache.CacheCluster;
import io.ringroute.demo.ops.LoadGenerator;
import io.ringroute.demo.ops.Seeder;
import io.ringroute.demo.social.KeyValueCache;
import io.ringroute.demo.social.Schema;
import io.ringroute.demo.social.Social;
import io.ringroute.demo.web.DemoServer;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.ShardSpec;
import io.ringroute.shard.ShardTopology;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole demo, started in order and stopped in reverse: servers (embedded mode), the cache cluster client, the
 * shard router, the schema on every shard, sample data, the load generator and the web server.
 */
public final class DemoApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DemoApp.class);

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

    public static DemoApp start(DemoConfig config) {
        DemoApp app = new DemoApp();
        try {
            app.startAll(config);
            return app;
        } catch (RuntimeException e) {
            app.close();
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

    private void startAll(DemoConfig config) {
        host = config.host();
        ObjectMapper json = new ObjectMapper();
        CacheCluster.Builder<byte[]> cacheBuilder = CacheCluster.builder().replicationFactor(config.cacheReplicas());
        ShardRouter router;
        if (config.mode() == DemoConfig.Mode.EMBEDDED) {
            servers = EmbeddedServers.start(config);
            stopInReverse.add(servers);
            servers.cacheNodeAddresses().forEach(cacheBuilder::node);
            router = ShardRouter.builder().topology(servers.shards().topology()).build();
        } else {
            config.externalCacheNodes().forEach(n -> cacheBuilder.node(n.id(), n.host() + ":" + n.port()));
            router = ShardRouter.fromConfig(config.shardTopology().orElseThrow());
        }
        stopInReverse.add(router);
        CacheCluster<byte[]> cluster = cacheBuilder.build();
        stopInReverse.add(cluster);
        cache = new ClusterCache(cluster);
        applySchema(router.config().topology());

        social = new Social(new RouterDatabase(router), cache, json, config.celebrityThreshold(),
                config.profileTtl(), config.postTtl(), config.timelineTtl());
        if (config.mode() == DemoConfig.Mode.EMBEDDED) {
            Seeder.seed(social, config.seedUsers());
        }
        LiveTopology topology = new LiveTopology(cluster, router, servers);
        stopInReverse.add(topology);
        load = new LoadGenerator(social);
        stopInReverse.add(load);
        server = DemoServer.start(config.host(), config.port(), social, topology, load,
                config.mode().name().toLowerCase(), json);
        stopInReverse.add(server);
        if (config.loadRate() > 0) {
            load.start(config.loadRate());
        }
    }

    /** Creates the tables on every shard's primary (idempotent). */
    private static void applySchema(ShardTopology topology) {
        for (ShardSpec shard : topology.shards()) {
            try (Connection c = DriverManager.getConnection(shard.primary().url(), shard.primary().user(),
                    shard.primary().password())) {
                Schema.apply(c);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create the tables on shard " + shard.name() + " ("
                        + shard.primary().redactedUrl() + "): " + e.getMessage(), e);
            }
        }
    }
}
