package io.ringroute.shard;

import io.ringroute.shard.config.ServerSpec;
import io.ringroute.shard.config.ShardSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;

/** The cluster's shards with primary pools of one connection, so that the next unit always reuses the last one's. */
final class OnePerPool {

    private OnePerPool() {
    }

    static ShardTopology topology(EmbeddedShardCluster cluster) {
        ShardTopology.Builder b = ShardTopology.builder();
        for (EmbeddedShard s : cluster.shards()) {
            ServerSpec p = s.primary().spec();
            b.shard(ShardSpec.builder(s.name()).primary(ServerSpec.builder(p.url()).user(p.user())
                    .password(p.password()).maxPoolSize(1).minIdle(0).build()).build());
        }
        return b.build();
    }
}
