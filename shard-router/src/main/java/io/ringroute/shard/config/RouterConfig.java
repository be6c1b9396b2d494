package io.ringroute.shard.config;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.TokenLayout;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.TokenKeys;
import io.ringroute.shard.WriteFenceTimeoutException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Everything a {@link ShardRouter} is configured with, as loaded from a properties file. Unknown keys are
 * rejected by name, missing required keys are named, and nothing falls back silently.
 *
 * <pre>
 * vnodesPerShard=256
 * layout.file=layout.txt          (optional: balanced token layout instead of vnodes; or layout.text=&lt;the text&gt;)
 * shards.a.weight=1
 * shards.a.primary.url=jdbc:postgresql://db-a:5432/app
 * shards.a.primary.user=app
 * shards.a.primary.password=secret
 * shards.a.primary.maxPoolSize=10
 * shards.a.replicas.0.url=jdbc:postgresql://db-a-r0:5432/app
 * router.replicaPollInterval=100ms
 * router.sessionWait=0ms
 * router.fenceWait=2s
 * router.tokenSecrets=first-secret-signs,older-secret-still-accepted
 * catalog.url=jdbc:postgresql://db-catalog:5432/app     (optional: enables online resharding)
 * catalog.schema=ringroute_catalog
 * catalog.writeLeases=false                              (optional: write leases, shard-router README)
 * </pre>
 * Server fields: url, user, password, maxPoolSize, minIdle, connectionTimeout, socketTimeout.
 *
 * @param topology            the shards
 * @param replicaPollInterval how often replica replay positions and health are polled
 * @param sessionWait         how long a SESSION read may wait for a replica to catch up before using the primary
 * @param catalog             the topology catalog, when routers share a resharding-capable topology
 * @param fenceWait           how long a write unit waits for a shard's write gate (held by a resharding cutover)
 *                            before it fails with {@link WriteFenceTimeoutException}
 * @param tokenKeys           the secrets that sign consistency tokens (first signs, all verify), or none
 */
public record RouterConfig(ShardTopology topology, Duration replicaPollInterval, Duration sessionWait,
                           Optional<CatalogSpec> catalog, Duration fenceWait, TokenKeys tokenKeys) {

    public static final Duration DEFAULT_REPLICA_POLL_INTERVAL = Duration.ofMillis(100);
    public static final Duration DEFAULT_FENCE_WAIT = Duration.ofSeconds(2);

    public RouterConfig {
        if (topology == null) {
            throw new IllegalArgumentException("topology must not be null");
        }
        if (replicaPollInterval == null || replicaPollInterval.toMillis() < 5) {
            throw new IllegalArgumentException("replicaPollInterval must be >= 5ms, was " + replicaPollInterval);
        }
        if (sessionWait == null || sessionWait.isNegative()) {
            throw new IllegalArgumentException("sessionWait must be >= 0, was " + sessionWait);
        }
        if (catalog == null) {
            throw new IllegalArgumentException("catalog must not be null (use Optional.empty())");
        }
        if (fenceWait == null || fenceWait.toMillis() < 1 || fenceWait.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("fenceWait must be between 1ms and 24 days, was " + fenceWait);
        }
        if (tokenKeys == null) {
            throw new IllegalArgumentException("tokenKeys must not be null (use TokenKeys.none())");
        }
    }

    /** Default fence wait, tokens checksummed but not signed. */
    public RouterConfig(ShardTopology topology, Duration replicaPollInterval, Duration sessionWait,
                        Optional<CatalogSpec> catalog) {
        this(topology, replicaPollInterval, sessionWait, catalog, DEFAULT_FENCE_WAIT, TokenKeys.none());
    }

    /** A static topology with default router settings and no catalog. */
    public static RouterConfig of(ShardTopology topology) {
        return new RouterConfig(topology, DEFAULT_REPLICA_POLL_INTERVAL, Duration.ZERO, Optional.empty());
    }

    public static RouterConfig load(Path file) {
        return parse(ConfigReader.load(file));
    }

    public static RouterConfig fromProperties(Properties properties) {
        return parse(ConfigReader.of("configuration", properties));
    }

    private static RouterConfig parse(ConfigReader in) {
        ShardTopology.Builder topology = ShardTopology.builder();
        try {
            topology.vnodesPerShard(in.intValue("vnodesPerShard", HashRing.DEFAULT_VNODES));
        } catch (IllegalArgumentException e) {
            throw in.error(e.getMessage());
        }
        TokenLayout layout = layout(in, "layout.");
        in.rejectUnknown("layout.", "file, text");
        if (layout != null) {
            topology.layout(layout);
        }
        var names = in.children("shards.");
        if (names.isEmpty()) {
            throw in.error("no shards: define at least shards.<name>.primary.url");
        }
        for (String name : names) {
            String prefix = "shards." + name + ".";
            try {
                ShardSpec.Builder shard = ShardSpec.builder(name)
                        .weight(in.doubleValue(prefix + "weight", 1.0))
                        .primary(server(in, prefix + "primary.", "the primary of shard '" + name + "'"));
                for (String i : in.children(prefix + "replicas.")) {
                    shard.replica(server(in, prefix + "replicas." + i + ".",
                            "replica " + i + " of shard '" + name + "'"));
                }
                in.rejectUnknown(prefix, "weight, primary.*, replicas.<n>.*");
                topology.shard(shard.build());
            } catch (IllegalArgumentException e) {
                throw e.getMessage().startsWith(in.source()) ? e : in.error(e.getMessage());
            }
        }
        Duration poll = in.duration("router.replicaPollInterval", DEFAULT_REPLICA_POLL_INTERVAL);
        Duration wait = in.duration("router.sessionWait", Duration.ZERO);
        Duration fenceWait = in.duration("router.fenceWait", DEFAULT_FENCE_WAIT);
        String secrets = in.optional("router.tokenSecrets");
        TokenKeys keys;
        try {
            keys = secrets == null ? TokenKeys.none() : TokenKeys.of(List.of(secrets.split(",", -1)));
        } catch (IllegalArgumentException e) {
            throw in.error("router.tokenSecrets: " + e.getMessage());
        }
        in.rejectUnknown("router.", "replicaPollInterval, sessionWait, fenceWait, tokenSecrets");
        Optional<CatalogSpec> catalog = Optional.empty();
        if (!in.children("catalog.").isEmpty()) {
            String schema = in.optional("catalog.schema");
            Duration catalogPoll = in.duration("catalog.pollInterval", CatalogSpec.DEFAULT_POLL_INTERVAL);
            String leasesValue = in.optional("catalog.writeLeases");
            boolean leases;
            try {
                leases = leasesValue != null && ConfigReader.parseBoolean("catalog.writeLeases", leasesValue);
            } catch (IllegalArgumentException e) {
                throw in.error(e.getMessage());
            }
            ServerSpec server = server(in, "catalog.", "the catalog");
            try {
                catalog = Optional.of(new CatalogSpec(server, schema == null ? CatalogSpec.DEFAULT_SCHEMA : schema,
                        catalogPoll, leases));
            } catch (IllegalArgumentException e) {
                throw in.error(e.getMessage());
            }
        }
        in.rejectUnknown("", "vnodesPerShard, layout.*, shards.<name>.*, router.*, catalog.*");
        ShardTopology built;
        try {
            built = topology.build();
        } catch (IllegalArgumentException e) {
            String key = layout == null || !e.getMessage().contains("token layout") ? ""
                    : (in.has("layout.file") ? "layout.file: " : "layout.text: ");
            throw in.error(key + e.getMessage());
        }
        try {
            return new RouterConfig(built, poll, wait, catalog, fenceWait, keys);
        } catch (IllegalArgumentException e) {
            throw in.error(e.getMessage());
        }
    }

    /**
     * The token layout named by {@code <prefix>file} (a path, relative to the configuration file's directory) or
     * {@code <prefix>text} (the layout's text itself), checked by {@link TokenLayout#parse}; null when neither is
     * set. A bad checksum, a malformed layout or an unreadable file fails naming the key.
     */
    private static TokenLayout layout(ConfigReader in, String prefix) {
        String file = in.optional(prefix + "file");
        String text = in.optional(prefix + "text");
        if (file != null && text != null) {
            throw in.error("set " + prefix + "file or " + prefix + "text, not both");
        }
        if (file == null && text == null) {
            return null;
        }
        String key = file != null ? prefix + "file" : prefix + "text";
        if (file != null) {
            Path path = in.directory().resolve(file);
            try {
                text = Files.readString(path, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw in.error(key + ": cannot read the token layout file " + path + " (" + e.getMessage() + ")");
            }
        }
        try {
            return TokenLayout.parse(text);
        } catch (IllegalArgumentException e) {
            throw in.error(key + ": " + e.getMessage());
        }
    }

    /** A server's fields under a prefix such as {@code shards.a.primary.}. */
    private static ServerSpec server(ConfigReader in, String prefix, String what) {
        ServerSpec.Builder b;
        try {
            b = ServerSpec.builder(in.required(prefix + "url", what + " needs a JDBC URL"));
            String user = in.optional(prefix + "user");
            if (user != null) {
                b.user(user);
            }
            b.password(in.optional(prefix + "password"));
            if (in.has(prefix + "maxPoolSize")) {
                b.maxPoolSize(in.intValue(prefix + "maxPoolSize", 0));
            }
            if (in.has(prefix + "minIdle")) {
                b.minIdle(in.intValue(prefix + "minIdle", 0));
            }
            if (in.has(prefix + "connectionTimeout")) {
                b.connectionTimeout(in.duration(prefix + "connectionTimeout", null));
            }
            if (in.has(prefix + "socketTimeout")) {
                b.socketTimeout(in.duration(prefix + "socketTimeout", null));
            }
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(in.source()) ? e : in.error(prefix + "*: " + e.getMessage());
        }
        in.rejectUnknown(prefix, "url, user, password, maxPoolSize, minIdle, connectionTimeout, socketTimeout");
        return b.build();
    }
}
