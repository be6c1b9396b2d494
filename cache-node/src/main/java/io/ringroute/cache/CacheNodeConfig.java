package io.ringroute.cache;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How to run one cache node: its id (which also names its one-member Hazelcast cluster), the interface and port it
 * binds, its size bound and eviction policy, and the default time-to-live of entries written without one.
 * Immutable; build with {@link #builder(String)}.
 */
public final class CacheNodeConfig {

    /** Default bound: 100,000 entries. */
    public static final MaxSize DEFAULT_MAX_SIZE = MaxSize.entries(100_000);
    /** Default time-to-live: one hour. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final String name;
    private final String host;
    private final int port;
    private final MaxSize maxSize;
    private final Eviction eviction;
    private final Duration ttl;
    private final Map<String, String> hazelcastProperties;

    private CacheNodeConfig(Builder b) {
        this.name = b.name;
        this.host = b.host;
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

    /** Extra Hazelcast member properties (thread counts, for instance). */
    public Map<String, String> hazelcastProperties() {
        return hazelcastProperties;
    }

    @Override
    public String toString() {
        return "CacheNodeConfig{" + name + " at " + address() + ", max " + maxSize + ", " + eviction + ", ttl " + ttl
                + "}";
    }

    /** Builds a {@link CacheNodeConfig}; each setter checks its argument and names the bad value. */
    public static final class Builder {
        private final String name;
        private String host = "127.0.0.1";
        private int port = 5701;
        private MaxSize maxSize = DEFAULT_MAX_SIZE;
        private Eviction eviction = Eviction.LRU;
        private Duration ttl = DEFAULT_TTL;
        private final Map<String, String> hazelcastProperties = new LinkedHashMap<>();

        private Builder(String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("node name must be 1-64 letters, digits, '.', '_' or '-' starting"
                        + " with a letter or digit, was " + (name == null ? "null" : "\"" + name + "\""));
            }
            this.name = name;
        }

        /** The interface to bind, default 127.0.0.1. The node listens on this address only. */
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

        /** Sets a Hazelcast member property, e.g. {@code hazelcast.operation.thread.count}. */
        public Builder hazelcastProperty(String name, String value) {
            if (name == null || name.isBlank() || value == null) {
                throw new IllegalArgumentException("Hazelcast property needs a name and a value, got " + name + "="
                        + value);
            }
            hazelcastProperties.put(name, value);
            return this;
        }

        public CacheNodeConfig build() {
            return new CacheNodeConfig(this);
        }
    }
}
