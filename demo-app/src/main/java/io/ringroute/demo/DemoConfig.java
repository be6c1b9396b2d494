package io.ringroute.demo;

import static io.ringroute.shard.config.ConfigReader.parseBoolean;
import static io.ringroute.shard.config.ConfigReader.parseInt;

import io.ringroute.demo.web.WebPolicy;
import io.ringroute.shard.config.ConfigReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything the demo can be told, validated when built. Two modes: {@link Mode#EMBEDDED} starts its own
 * PostgreSQL shards and cache nodes; {@link Mode#EXTERNAL} points at servers started elsewhere.
 */
public final class DemoConfig {
    public enum Mode { EMBEDDED, EXTERNAL }

    /** A cache node started elsewhere (cache-node's CLI): id and host:port. */
    public record CacheNodeAddress(String id, String host, int port) {
        @Override
        public String toString() {
            return id + "=" + host + ":" + port;
        }
    }

    private static final Pattern NODE = Pattern.compile("([A-Za-z0-9_-]+)=([^:=,\\s]+):(\\d{1,5})");

    private final Mode mode;
    private final String host;
    private final int port;
    private final int shards;
    private final int cacheNodes;
    private final Duration applyDelay;
    private final Optional<Path> shardTopology;
    private final List<CacheNodeAddress> externalCacheNodes;
    private final int cacheReplicas;
    private final boolean spreadHotKeyReads;
    private final int celebrityThreshold;
    private final Duration timelineTtl;
    private final Duration profileTtl;
    private final Duration postTtl;
    private final int seedUsers;
    private final int loadRate;
    private final WebPolicy webPolicy;

    private DemoConfig(Builder b) {
        this.mode = b.mode;
        this.host = b.host;
        this.port = b.port;
        this.shards = b.shards;
        this.cacheNodes = b.cacheNodes;
        this.applyDelay = b.applyDelay;
        this.shardTopology = Optional.ofNullable(b.shardTopology);
        this.externalCacheNodes = List.copyOf(b.externalCacheNodes);
        this.cacheReplicas = b.cacheReplicas;
        this.spreadHotKeyReads = b.spreadHotKeyReads;
        this.celebrityThreshold = b.celebrityThreshold;
        this.timelineTtl = b.timelineTtl;
        this.profileTtl = b.profileTtl;
        this.postTtl = b.postTtl;
        this.seedUsers = b.seedUsers;
        this.loadRate = b.loadRate;
        this.webPolicy = new WebPolicy(b.allowedHosts != null ? b.allowedHosts : WebPolicy.hostsFor(b.host),
                b.opsEnabled, Optional.ofNullable(b.opsToken), b.maxCacheNodes, b.maxShards, b.idleTimeout);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static DemoConfig defaults() {
        return builder().build();
    }

    /**
     * Reads a properties file (keys as in demo-app/README.md) with the router's strict {@link ConfigReader}. An
     * unknown key is an error, so a typo never silently falls back to a default; so is a key given twice.
     */
    public static Builder load(Path file) throws IOException {
        ConfigReader p = ConfigReader.read(file);
        Builder b = builder();
        Map<String, BiConsumer<Builder, String>> keys = Map.ofEntries(
                Map.entry("mode", (x, v) -> x.mode(parseMode(v))),
                Map.entry("http.host", Builder::host),
                Map.entry("http.port", (x, v) -> x.port(parseInt("http.port", v))),
                Map.entry("http.allowedHosts", (x, v) -> x.allowedHosts(Set.of(v.split("\\s*,\\s*")))),
                Map.entry("http.idleTimeoutSeconds",
                        (x, v) -> x.idleTimeout(Duration.ofSeconds(parseInt("http.idleTimeoutSeconds", v)))),
                Map.entry("ops.enabled", (x, v) -> x.opsEnabled(parseBoolean("ops.enabled", v))),
                Map.entry("ops.token", Builder::opsToken),
                Map.entry("ops.maxCacheNodes", (x, v) -> x.maxCacheNodes(parseInt("ops.maxCacheNodes", v))),
                Map.entry("ops.maxShards", (x, v) -> x.maxShards(parseInt("ops.maxShards", v))),
                Map.entry("embedded.shards", (x, v) -> x.shards(parseInt("embedded.shards", v))),
                Map.entry("embedded.cacheNodes", (x, v) -> x.cacheNodes(parseInt("embedded.cacheNodes", v))),
                Map.entry("embedded.replicaApplyDelayMs",
                        (x, v) -> x.applyDelay(Duration.ofMillis(parseInt("embedded.replicaApplyDelayMs", v)))),
                Map.entry("external.shardTopology", (x, v) -> x.shardTopology(file.resolveSibling(v))),
                Map.entry("external.cacheNodes", (x, v) -> x.externalCacheNodes(parseNodes(v))),
                Map.entry("cache.replicas", (x, v) -> x.cacheReplicas(parseInt("cache.replicas", v))),
                Map.entry("cache.spreadHotKeyReads",
                        (x, v) -> x.spreadHotKeyReads(parseBoolean("cache.spreadHotKeyReads", v))),
                Map.entry("timeline.celebrityThreshold",
                        (x, v) -> x.celebrityThreshold(parseInt("timeline.celebrityThreshold", v))),
                Map.entry("ttl.timelineSeconds",
                        (x, v) -> x.timelineTtl(Duration.ofSeconds(parseInt("ttl.timelineSeconds", v)))),
                Map.entry("ttl.profileSeconds",
                        (x, v) -> x.profileTtl(Duration.ofSeconds(parseInt("ttl.profileSeconds", v)))),
                Map.entry("ttl.postSeconds", (x, v) -> x.postTtl(Duration.ofSeconds(parseInt("ttl.postSeconds", v)))),
                Map.entry("seed.users", (x, v) -> x.seedUsers(parseInt("seed.users", v))),
                Map.entry("load.rate", (x, v) -> x.loadRate(parseInt("load.rate", v))));
        Set<String> unknown = new TreeSet<>(p.keys());
        unknown.removeAll(keys.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown key(s) " + unknown + " in " + file
                    + "; known keys: " + new TreeSet<>(keys.keySet()));
        }
        for (String key : p.keys()) {
            keys.get(key).accept(b, p.optional(key));
        }
        return b;
    }

    public Mode mode() {
        return mode;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int shards() {
        return shards;
    }

    public int cacheNodes() {
        return cacheNodes;
    }

    public Duration applyDelay() {
        return applyDelay;
    }

    public Optional<Path> shardTopology() {
        return shardTopology;
    }

    public List<CacheNodeAddress> externalCacheNodes() {
        return externalCacheNodes;
    }

    public int cacheReplicas() {
        return cacheReplicas;
    }

    /** Whether the cache client shares hot keys' reads out over their replicas. */
    public boolean spreadHotKeyReads() {
        return spreadHotKeyReads;
    }

    public int celebrityThreshold() {
        return celebrityThreshold;
    }

    public Duration timelineTtl() {
        return timelineTtl;
    }

    public Duration profileTtl() {
        return profileTtl;
    }

    public Duration postTtl() {
        return postTtl;
    }

    public int seedUsers() {
        return seedUsers;
    }

    public int loadRate() {
        return loadRate;
    }

    /** Allowed hosts, operations access and caps, idle timeout: what the web server lets in. */
    public WebPolicy webPolicy() {
        return webPolicy;
    }

    @Override
    public String toString() {
        return mode == Mode.EMBEDDED
                ? "embedded: " + shards + " shards (primary + standby, apply delay " + applyDelay.toMillis()
                        + " ms), " + cacheNodes + " cache nodes, celebrity threshold " + celebrityThreshold
                : "external: shards from " + shardTopology.orElseThrow() + ", cache nodes " + externalCacheNodes
                        + ", celebrity threshold " + celebrityThreshold;
    }

    private static Mode parseMode(String v) {
        return switch (v) {
            case "embedded" -> Mode.EMBEDDED;
            case "external" -> Mode.EXTERNAL;
            default -> throw new IllegalArgumentException("mode must be 'embedded' or 'external', was '" + v + "'");
        };
    }

    static List<CacheNodeAddress> parseNodes(String v) {
        List<CacheNodeAddress> nodes = new ArrayList<>();
        for (String part : v.split(",")) {
            Matcher m = NODE.matcher(part.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("external.cacheNodes entry '" + part.trim()
                        + "' is not id=host:port (e.g. a=127.0.0.1:5701)");
            }
            nodes.add(new CacheNodeAddress(m.group(1), m.group(2), Integer.parseInt(m.group(3))));
        }
        return nodes;
    }

    public static final class Builder {
        private Mode mode = Mode.EMBEDDED;
        private String host = "127.0.0.1";
        private int port = 8080;
        private int shards = 3;
        private int cacheNodes = 3;
        private Duration applyDelay = Duration.ofMillis(500);
        private Path shardTopology;
        private List<CacheNodeAddress> externalCacheNodes = List.of();
        private int cacheReplicas = 2;
        private boolean spreadHotKeyReads = true;
        private int celebrityThreshold = 40;
        private Duration timelineTtl = Duration.ofMinutes(5);
        private Duration profileTtl = Duration.ofMinutes(10);
        private Duration postTtl = Duration.ofMinutes(10);
        private int seedUsers = 100;
        private int loadRate = 0;
        private Set<String> allowedHosts;
        private Duration idleTimeout = Duration.ofSeconds(5);
        private boolean opsEnabled = true;
        private String opsToken;
        private int maxCacheNodes = 8;
        private int maxShards = 6;

        private Builder() {
        }

        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        public Builder host(String host) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("http.host must not be empty");
            }
            this.host = host;
            return this;
        }

        /** 0 picks a free port (tests). */
        public Builder port(int port) {
            this.port = inRange("http.port", port, 0, 65535);
            return this;
        }

        public Builder shards(int shards) {
            this.shards = inRange("embedded.shards", shards, 1, 8);
            return this;
        }

        public Builder cacheNodes(int cacheNodes) {
            this.cacheNodes = inRange("embedded.cacheNodes", cacheNodes, 1, 12);
            return this;
        }

        public Builder applyDelay(Duration applyDelay) {
            if (applyDelay.isNegative() || applyDelay.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException(
                        "embedded.replicaApplyDelayMs must be between 0 and 60000, was " + applyDelay.toMillis());
            }
            this.applyDelay = applyDelay;
            return this;
        }

        public Builder shardTopology(Path file) {
            this.shardTopology = file;
            return this;
        }

        public Builder externalCacheNodes(List<CacheNodeAddress> nodes) {
            this.externalCacheNodes = List.copyOf(nodes);
            return this;
        }

        public Builder cacheReplicas(int replicas) {
            this.cacheReplicas = inRange("cache.replicas", replicas, 1, 3);
            return this;
        }

        /**
         * Whether the cache client spreads the reads of hot keys (a celebrity's recent posts, their posts) over the
         * key's R replicas instead of sending them to its primary (default true): it makes no extra copy, so the
         * cache's coherence rules are unchanged, and it keeps one node from serving a celebrity's followers alone.
         */
        public Builder spreadHotKeyReads(boolean spread) {
            this.spreadHotKeyReads = spread;
            return this;
        }

        public Builder celebrityThreshold(int threshold) {
            this.celebrityThreshold = inRange("timeline.celebrityThreshold", threshold, 1, Integer.MAX_VALUE);
            return this;
        }

        public Builder timelineTtl(Duration ttl) {
            this.timelineTtl = positive("ttl.timelineSeconds", ttl);
            return this;
        }

        public Builder profileTtl(Duration ttl) {
            this.profileTtl = positive("ttl.profileSeconds", ttl);
            return this;
        }

        public Builder postTtl(Duration ttl) {
            this.postTtl = positive("ttl.postSeconds", ttl);
            return this;
        }

        public Builder seedUsers(int users) {
            this.seedUsers = inRange("seed.users", users, 0, 100_000);
            return this;
        }

        /** Operations per second of the built-in load generator at start; 0 leaves it stopped. */
        public Builder loadRate(int opsPerSecond) {
            this.loadRate = inRange("load.rate", opsPerSecond, 0, 100_000);
            return this;
        }

        /**
         * Host names (no port) the Host header may carry. Default: for a loopback {@code http.host}, 127.0.0.1,
         * localhost and [::1]; otherwise {@code http.host} itself.
         */
        public Builder allowedHosts(Set<String> hosts) {
            for (String h : hosts) {
                if (h.isEmpty() || !h.matches("[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+]")) {
                    throw new IllegalArgumentException("http.allowedHosts entry '" + h + "' is not a host name or"
                            + " address (no port; IPv6 in brackets)");
                }
            }
            if (hosts.isEmpty()) {
                throw new IllegalArgumentException("http.allowedHosts must name at least one host");
            }
            this.allowedHosts = Set.copyOf(hosts);
            return this;
        }

        /** How long a connection may stay silent, also in the middle of a request body (default 5 s). */
        public Builder idleTimeout(Duration timeout) {
            if (timeout.toSeconds() < 1 || timeout.toSeconds() > 300) {
                throw new IllegalArgumentException("http.idleTimeoutSeconds must be between 1 and 300, was "
                        + timeout.toSeconds());
            }
            this.idleTimeout = timeout;
            return this;
        }

        /** false answers every {@code /api/ops} request with 404 (default true). */
        public Builder opsEnabled(boolean enabled) {
            this.opsEnabled = enabled;
            return this;
        }

        /** A token the operations API then demands as {@code Authorization: Bearer <token>}; at least 16 chars. */
        public Builder opsToken(String token) {
            if (token == null || token.length() < 16 || !token.matches("[\\x21-\\x7e]+")) {
                throw new IllegalArgumentException("ops.token must be at least 16 printable ASCII characters"
                        + " without spaces");
            }
            this.opsToken = token;
            return this;
        }

        /** The most cache nodes the operations API may grow the cluster to (default 8). */
        public Builder maxCacheNodes(int max) {
            this.maxCacheNodes = inRange("ops.maxCacheNodes", max, 1, 12);
            return this;
        }

        /** The most shards the operations API may grow the database to (default 6; each is two servers). */
        public Builder maxShards(int max) {
            this.maxShards = inRange("ops.maxShards", max, 1, 8);
            return this;
        }

        public DemoConfig build() {
            if (opsEnabled && opsToken == null && !isLoopback(host)) {
                throw new IllegalArgumentException("http.host " + host + " is not a loopback address: protect the"
                        + " operations API with ops.token or turn it off with ops.enabled=false");
            }
            if (mode == Mode.EXTERNAL) {
                if (shardTopology == null) {
                    throw new IllegalArgumentException("external mode needs external.shardTopology (a file)");
                }
                if (!Files.isReadable(shardTopology)) {
                    throw new IllegalArgumentException("external.shardTopology " + shardTopology
                            + " is not a readable file");
                }
                if (externalCacheNodes.isEmpty()) {
                    throw new IllegalArgumentException("external mode needs external.cacheNodes (id=host:port,...)");
                }
                if (cacheReplicas > externalCacheNodes.size()) {
                    throw new IllegalArgumentException("cache.replicas is " + cacheReplicas + " but only "
                            + externalCacheNodes.size() + " cache node(s) are listed");
                }
            } else if (cacheReplicas > cacheNodes) {
                throw new IllegalArgumentException("cache.replicas is " + cacheReplicas
                        + " but embedded.cacheNodes is only " + cacheNodes);
            }
            return new DemoConfig(this);
        }

        private static boolean isLoopback(String host) {
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("http.host " + host + " does not resolve");
            }
        }

        private static int inRange(String key, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(key + " must be between " + min + " and " + max
                        + ", was " + value);
            }
            return value;
        }

        private static Duration positive(String key, Duration ttl) {
            if (ttl.isZero() || ttl.isNegative()) {
                throw new IllegalArgumentException(key + " must be positive, was " + ttl.toSeconds());
            }
            return ttl;
        }
    }
}
