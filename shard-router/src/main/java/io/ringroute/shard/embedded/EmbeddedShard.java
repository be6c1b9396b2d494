package io.ringroute.shard.embedded;

import io.ringroute.shard.config.ShardSpec;
import java.util.List;

/** An embedded shard: a primary and its streaming standbys. */
public final class EmbeddedShard {

    private final String name;
    private final EmbeddedServer primary;
    private final List<EmbeddedServer> replicas;

    EmbeddedShard(String name, EmbeddedServer primary, List<EmbeddedServer> replicas) {
        this.name = name;
        this.primary = primary;
        this.replicas = List.copyOf(replicas);
    }

    public String name() {
        return name;
    }

    public EmbeddedServer primary() {
        return primary;
    }

    public List<EmbeddedServer> replicas() {
        return replicas;
    }

    public EmbeddedServer replica(int index) {
        return replicas.get(index);
    }

    /** The shard as a router sees it, with weight 1. */
    public ShardSpec spec() {
        ShardSpec.Builder b = ShardSpec.builder(name).primary(primary.spec());
        replicas.forEach(r -> b.replica(r.spec()));
        return b.build();
    }

    void close() {
        replicas.forEach(EmbeddedServer::close);
        primary.close();
    }

    @Override
    public String toString() {
        return "EmbeddedShard{" + name + ", " + primary + ", " + replicas + "}";
    }
}
