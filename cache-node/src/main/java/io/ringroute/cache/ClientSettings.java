package io.ringroute.cache;

import io.ringroute.cache.wire.ClusterSecret;
import java.time.Duration;
import java.util.Map;

/**
 * How a cluster client talks to each node: timeouts, when to eject it (failures, slow calls), how to probe it, how
 * long tombstones live, extra Hazelcast client properties, and the secret it presents. Validated by
 * {@link CacheCluster.Builder}.
 */
record ClientSettings(Duration connectTimeout, Duration callTimeout, int ejectAfter, Duration probeInitial,
                      Duration probeMax, Duration slowCallThreshold, int slowCalls, Duration slowCallWindow,
                      Duration tombstoneTtl, Map<String, String> clientProperties, ClusterSecret secret) {

    static final Duration SLOW_CALL_THRESHOLD = Duration.ofMillis(500);
    static final int SLOW_CALLS = 3;
    static final Duration SLOW_CALL_WINDOW = Duration.ofSeconds(5);
    static final Duration TOMBSTONE_TTL = Duration.ofSeconds(30);

    ClientSettings {
        clientProperties = Map.copyOf(clientProperties);
    }

    /** Upper bound for one range export or import: they touch thousands of entries in one call. */
    Duration transferTimeout() {
        Duration tenCalls = callTimeout.multipliedBy(10);
        return tenCalls.compareTo(Duration.ofSeconds(30)) > 0 ? tenCalls : Duration.ofSeconds(30);
    }
}
