package io.ringroute.demo.web;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the web server lets in: the host names it answers to (against DNS rebinding), whether the operations API is
 * on and the token it then demands, how many cache nodes and shards the operations API may grow to, and how long a
 * connection may sit silent (a body shorter than its Content-Length ends after that).
 *
 * @param allowedHosts  host names (no port) a request's Host header may carry, lower-case
 * @param opsEnabled    false: every {@code /api/ops} request is answered 404
 * @param opsToken      when present, {@code /api/ops} requests need {@code Authorization: Bearer <token>}
 * @param maxCacheNodes the operations API refuses to add a cache node beyond this many
 * @param maxShards     the operations API refuses to add a shard beyond this many
 * @param idleTimeout   Jetty's idle timeout: how long a read of the request may wait for the client
 */
public record WebPolicy(Set<String> allowedHosts, boolean opsEnabled, Optional<String> opsToken, int maxCacheNodes,
                        int maxShards, Duration idleTimeout) {

    public WebPolicy {
        allowedHosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        if (allowedHosts.isEmpty()) {
            throw new IllegalArgumentException("at least one allowed host is required");
        }
    }

    /** The names a loopback-bound server is reached by, for {@code host}; any other host stands for itself. */
    public static Set<String> hostsFor(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("127.0.0.1") || h.equals("localhost") || h.equals("::1") || h.equals("[::1]")
                ? Set.of("127.0.0.1", "localhost", "[::1]")
                : Set.of(h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h);
    }
}
