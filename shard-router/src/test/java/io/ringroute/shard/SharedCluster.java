package io.ringroute.shard;

import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.time.Duration;

/**
 * The embedded cluster the router tests share, started once per test JVM: two shards, each a primary and one
 * standby that applies commits {@link #APPLY_DELAY} late, so replica lag is real. Tests that stop a server start it
 * again before they finish. The cluster's own shutdown hook stops it when the JVM exits.
 */
final class SharedCluster {

    static final Duration APPLY_DELAY = Duration.ofMillis(500);
    private static EmbeddedShardCluster cluster;

    private SharedCluster() {
    }

    static synchronized EmbeddedShardCluster get() {
        if (cluster == null) {
            cluster = EmbeddedShardCluster.builder().shards(2).replicasPerShard(1).replicaApplyDelay(APPLY_DELAY)
                    .start();
        }
        return cluster;
    }
}
