package io.ringroute.shard;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The shards of a sharded database and how keys spread over them: each shard is a node of a {@link HashRing}
 * (node id = shard name, node weight = shard weight) with {@link #vnodesPerShard()} virtual nodes per unit of
 * weight. Immutable; two processes with equal topologies route every key alike.
 */
public final class ShardTopology {

    private final List<ShardSpec> shards;          // sorted by name
    private final Map<String, ShardSpec> byName;
    private final int vnodesPerShard;

    private ShardTopology(List<ShardSpec> shards, int vnodesPerShard) {
        List<ShardSpec> sorted = new ArrayList<>(shards);
        sorted.sort(Comparator.comparing(ShardSpec::name, Node.ID_ORDER));
        this.shards = List.copyOf(sorted);
        Map<String, ShardSpec> index = new LinkedHashMap<>();
        for (ShardSpec s : this.shards) {
            index.put(s.name(), s);
        }
        this.byName = index;
        this.vnodesPerShard = vnodesPerShard;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The shards in ring id order of their names. */
    public List<ShardSpec> shards() {
        return shards;
    }

    public List<String> shardNames() {
        return shards.stream().map(ShardSpec::name).toList();
    }

    public Optional<ShardSpec> shard(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public int vnodesPerShard() {
        return vnodesPerShard;
    }

    /** The ring of these shards. */
    public HashRing ring() {
        return HashRing.builder().vnodesPerNode(vnodesPerShard)
                .nodes(shards.stream().map(s -> Node.of(s.name(), s.weight())).toList()).build();
    }

    /** This topology plus a shard. */
    public ShardTopology withShard(ShardSpec shard) {
        Builder b = toBuilder();
        b.shard(shard);
        return b.build();
    }

    /** This topology without a shard; removing the last one is refused. */
    public ShardTopology withoutShard(String name) {
        requireShard(name);
        if (shards.size() == 1) {
            throw new IllegalArgumentException("cannot remove shard '" + name + "': it is the last shard");
        }
        Builder b = builder().vnodesPerShard(vnodesPerShard);
        shards.stream().filter(s -> !s.name().equals(name)).forEach(b::shard);
        return b.build();
    }

    /** This topology with one shard's weight changed. */
    public ShardTopology withWeight(String name, double weight) {
        requireShard(name);
        Builder b = builder().vnodesPerShard(vnodesPerShard);
        shards.forEach(s -> b.shard(s.name().equals(name) ? s.withWeight(weight) : s));
        return b.build();
    }

    private Builder toBuilder() {
        Builder b = builder().vnodesPerShard(vnodesPerShard);
        shards.forEach(b::shard);
        return b;
    }

    private void requireShard(String name) {
        if (!byName.containsKey(name)) {
            throw new IllegalArgumentException("no shard '" + name + "' in the topology (shards: "
                    + String.join(", ", byName.keySet()) + ")");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardTopology t && shards.equals(t.shards) && vnodesPerShard == t.vnodesPerShard;
    }

    @Override
    public int hashCode() {
        return shards.hashCode() * 31 + vnodesPerShard;
    }

    @Override
    public String toString() {
        return "ShardTopology{vnodesPerShard=" + vnodesPerShard + ", shards="
                + shards.stream().map(s -> s.name() + "x" + s.weight()).collect(Collectors.joining(", ")) + "}";
    }

    /** Builds a {@link ShardTopology}; {@link #build()} rejects duplicate shard names and an empty topology. */
    public static final class Builder {
        private final List<ShardSpec> shards = new ArrayList<>();
        private int vnodesPerShard = HashRing.DEFAULT_VNODES;

        private Builder() {
        }

        public Builder shard(ShardSpec shard) {
            if (shard == null) {
                throw new IllegalArgumentException("shard must not be null");
            }
            shards.add(shard);
            return this;
        }

        /** Virtual nodes per unit of shard weight (default {@value HashRing#DEFAULT_VNODES}). */
        public Builder vnodesPerShard(int vnodes) {
            if (vnodes < 1) {
                throw new IllegalArgumentException("vnodesPerShard must be >= 1, was " + vnodes);
            }
            this.vnodesPerShard = vnodes;
            return this;
        }

        public ShardTopology build() {
            if (shards.isEmpty()) {
                throw new IllegalArgumentException("a topology needs at least one shard");
            }
            Map<String, ShardSpec> names = new LinkedHashMap<>();
            Map<String, String> servers = new LinkedHashMap<>();
            for (ShardSpec s : shards) {
                if (names.put(s.name(), s) != null) {
                    throw new IllegalArgumentException("duplicate shard name '" + s.name() + "'");
                }
                List<ServerSpec> all = new ArrayList<>(s.replicas());
                all.add(0, s.primary());
                for (ServerSpec server : all) {
                    String other = servers.put(server.address(), s.name());
                    if (other != null && !other.equals(s.name())) {
                        throw new IllegalArgumentException("shards '" + other + "' and '" + s.name()
                                + "' both use the server " + server.redactedUrl());
                    }
                }
            }
            return new ShardTopology(shards, vnodesPerShard);
        }
    }
}
