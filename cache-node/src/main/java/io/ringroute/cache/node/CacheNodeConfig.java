package io.ringroute.cache.node;

import io.ringroute.cache.wire.ClusterSecret;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How to run one cache node: its id (which also names its one-member Hazelcast cluster), the interface and port it
 * binds, its size bound and eviction policy, the default time-to-live of entries written without one, and the
 * secret clients must present. Immutable; build with {@link #builder(String)}.
 *
 * <p>A node binds a loopback address unless {@link Builder#allowRemote(boolean)} says otherwise, and a node other
 * machines can reach needs a {@link Builder#secret(String) secret}: Hazelcast's open-source edition has no other
 * authentication and no TLS, so such a node belongs on a private network only.
 */
public final class CacheNodeConfig {

    /** Default bound: 100,000 entries. */
    public static final MaxSize DEFAULT_MAX_SIZE = MaxSize.entries(100_000);
    /** Default time-to-live: one hour. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final String name;
    private final String host;
    private final InetAddress bindAddress;
    private final int port;
    private final MaxSize maxSize;
    private final Eviction eviction;
    private final Duration ttl;
    private final ClusterSecret secret;
    private final Map<String, String> hazelcastProperties;

    private CacheNodeConfig(Builder b, InetAddress bindAddress) {
        this.name = b.name;
        this.host = b.host;
        this.bindAddress = bindAddress;
        this.secret = b.secret;
        this.port = b.port;
        this.maxSize = b.maxSize;
        this.eviction = b.eviction;
        this.ttl = b.ttl;
        this.hazelcastProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.hazelcastProperties));
    }

    /** A builder for the node {@code name}: letters, digits, '.', '_' or '-', at most 64 characters. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public String host() {
        return host;
    }

    /** The address {@link #host()} resolved to when the config was built. */
    public InetAddress bindAddress() {
        return bindAddress;
    }

    public int port() {
        return port;
    }

    /** {@code host:port}, the address clients use. */
    public String address() {
        return host + ":" + port;
    }

    public MaxSize maxSize() {
        return maxSize;
    }

    public Eviction eviction() {
        return eviction;
    }

    /** Default time-to-live of entries written without one; zero means they never expire. */
    public Duration ttl() {
        return ttl;
    }

    /** True when clients must present a secret. */
    public boolean hasSecret() {
        return secret.isSet();
    }

    ClusterSecret secret() {
        return secret;
    }

    /** The node's Hazelcast cluster name, which clients present (derived from the secret, if any). */
    public String clusterName() {
        return secret.clusterName(name);
    }

    /** Extra Hazelcast member properties (thread counts, for instance). */
    public Map<String, String> hazelcastProperties() {
        return hazelcastProperties;
    }

    @Override
    public String toString() {
        return "CacheNodeConfig{" + name + " at " + address() + ", max " + maxSize + ", " + eviction + ", ttl " + ttl
                + ", " + secret + "}";
    }

    /** Builds a {@link CacheNodeConfig}; each setter checks its argument and names the bad value. */
    public static final class Builder {
        private final String name;
        private String host = "127.0.0.1";
        private int port = 5701;
        private MaxSize maxSize = DEFAULT_MAX_SIZE;
        private Eviction eviction = Eviction.LRU;
        private Duration ttl = DEFAULT_TTL;
        private ClusterSecret secret = ClusterSecret.NONE;
        private boolean allowRemote;
        private final Map<String, String> hazelcastProperties = new LinkedHashMap<>();

        private Builder(String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("node name must be 1-64 letters, digits, '.', '_' or '-' starting"
                        + " with a letter or digit, was " + (name == null ? "null" : "\"" + name + "\""));
            }
            this.name = name;
        }

        /**
         * The interface to bind, default 127.0.0.1. The node listens on this address only; one that is not loopback
         * needs {@link #allowRemote(boolean)} and a {@link #secret(String)}.
         */
        public Builder host(String host) {
            if (host == null || host.isBlank() || host.contains(":") && !host.startsWith("[")) {
                throw new IllegalArgumentException("host must be an IPv4 address or a host name, was "
                        + (host == null ? "null" : "\"" + host + "\""));
            }
            this.host = host.trim();
            return this;
        }

        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be in 1..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        public Builder maxSize(MaxSize maxSize) {
            if (maxSize == null) {
                throw new IllegalArgumentException("max size must not be null");
            }
            this.maxSize = maxSize;
            return this;
        }

        public Builder eviction(Eviction eviction) {
            if (eviction == null) {
                throw new IllegalArgumentException("eviction must be LRU or LFU, was null");
            }
            this.eviction = eviction;
            return this;
        }

        /** Default time-to-live in whole seconds (Hazelcast's map default has second granularity); zero: none. */
        public Builder ttl(Duration ttl) {
            if (ttl == null || ttl.isNegative() || ttl.getNano() != 0 || ttl.getSeconds() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("ttl must be zero or a positive whole number of seconds, was " + ttl);
            }
            this.ttl = ttl;
            return this;
        }

        /**
         * The shared secret clients must present ({@code CacheCluster.Builder.secret}): 16 to 1024 characters. It
         * is turned into the node's cluster name and never logged. Default: none, which leaves the guessable name
         * {@code ringroute-<id>} as the only check.
         */
        public Builder secret(String secret) {
            this.secret = ClusterSecret.of(secret);
            return this;
        }

        /**
         * Lets the node bind an address that is not loopback (default false), so other machines can reach it.
         * Open-source Hazelcast has no authentication but the cluster name and no TLS: such a node must listen on a
         * private network only, and it needs a {@link #secret(String)}.
         */
        public Builder allowRemote(boolean allow) {
            this.allowRemote = allow;
            return this;
        }

        /** Sets a Hazelcast member property, e.g. {@code hazelcast.operation.thread.count}. */
        public Builder hazelcastProperty(String name, String value) {
            if (name == null || name.isBlank() || value == null) {
                throw new IllegalArgumentException("Hazelcast property needs a name and a value, got " + name + "="
                        + value);
            }
            hazelcastProperties.put(name, value);
            return this;
        }

        /**
         * Resolves the host and checks the remote-access rules.
         *
         * @throws IllegalArgumentException when the host does not resolve, or is not loopback without
         *     {@link #allowRemote(boolean)} and a {@link #secret(String)}
         */
        public CacheNodeConfig build() {
            InetAddress address;
            try {
                address = InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("host \"" + host + "\" of cache node " + name + " does not resolve");
            }
            if (!address.isLoopbackAddress()) {
                if (!allowRemote) {
                    throw new IllegalArgumentException("host \"" + host + "\" (" + address.getHostAddress()
                            + ") is not loopback: binding it lets other machines connect, which needs allowRemote"
                            + " (--allow-remote), a secret (--secret-file) and a private network");
                }
                if (!secret.isSet()) {
                    throw new IllegalArgumentException("cache node " + name + " on non-loopback host \"" + host
                            + "\" needs a secret (--secret-file): without one anyone who can reach it can use it");
                }
            }
            return new CacheNodeConfig(this, address);
        }
    }
}
