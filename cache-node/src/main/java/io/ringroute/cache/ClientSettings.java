package io.ringroute.cache;

import java.time.Duration;
import java.util.Map;

/**
 * How a cluster client talks to each node: timeouts, when to eject it, how to probe it, extra Hazelcast client
 * properties, and the secret it presents. Validated by {@link CacheCluster.Builder}.
 */
record ClientSettings(Duration connectTimeout, Duration callTimeout, int ejectAfter, Duration probeInitial,
                      Duration probeMax, Map<String, String> clientProperties, ClusterSecret secret) {

    ClientSettings {
        clientProperties = Map.copyOf(clientProperties);
    }

    /** Upper bound for one range export or import: they touch thousands of entries in one call. */
    Duration transferTimeout() {
        Duration tenCalls = callTimeout.multipliedBy(10);
        return tenCalls.compareTo(Duration.ofSeconds(30)) > 0 ? tenCalls : Duration.ofSeconds(30);
    }
}
