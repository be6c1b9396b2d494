package io.ringroute.shard.config;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.TokenLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The shards of a sharded database and how keys spread over them: each shard is a node of a {@link HashRing}
 * (node id = shard name, node weight = shard weight), placed either by {@link #vnodesPerShard()} random virtual
 * nodes per unit of weight or, with a {@link #layout()}, by balanced allocation. Immutable; two processes with
 * equal topologies route every key alike.
 */
public final class ShardTopology {

    private final List<ShardSpec> shards;          // sorted by name
    private final Map<String, ShardSpec> byName;
    private final int vnodesPerShard;
    private final TokenLayout layout;              // null: random vnodes

    private ShardTopology(List<ShardSpec> shards, int vnodesPerShard, TokenLayout layout) {
        List<ShardSpec> sorted = new ArrayList<>(shards);
        sorted.sort(Comparator.comparing(ShardSpec::name, Node.ID_ORDER));
        this.shards = List.copyOf(sorted);
        Map<String, ShardSpec> index = new LinkedHashMap<>();
        for (ShardSpec s : this.shards) {
            index.put(s.name(), s);
        }
        this.byName = index;
        this.vnodesPerShard = vnodesPerShard;
        this.layout = layout;
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

    /**
     * The balanced token layout the shards are placed by, holding exactly these shards with their weights; empty
     * for random vnodes.
     */
    public Optional<TokenLayout> layout() {
        return Optional.ofNullable(layout);
    }

    /** The ring of these shards: the layout's tokens, or random vnodes. */
    public HashRing ring() {
        if (layout != null) {
            return HashRing.builder().layout(layout).build();
        }
        return HashRing.builder().vnodesPerNode(vnodesPerShard)
                .nodes(shards.stream().map(s -> Node.of(s.name(), s.weight())).toList()).build();
    }

    /** This topology plus a shard; with a layout, the shard's tokens come from the allocator. */
    public ShardTopology withShard(ShardSpec shard) {
        Builder b = toBuilder(layout);
        b.shard(shard);
        return b.build();
    }

    /** This topology without a shard; removing the last one is refused. */
    public ShardTopology withoutShard(String name) {
        requireShard(name);
        if (shards.size() == 1) {
            throw new IllegalArgumentException("cannot remove shard '" + name + "': it is the last shard");
        }
        Builder b = toBuilder(layout == null ? null : layout.withoutNode(name));
        b.shards.removeIf(s -> s.name().equals(name));
        return b.build();
    }

    /** This topology with one shard's weight changed. */
    public ShardTopology withWeight(String name, double weight) {
        requireShard(name);
        Builder b = toBuilder(layout == null ? null : layout.withWeight(name, weight));
        b.shards.replaceAll(s -> s.name().equals(name) ? s.withWeight(weight) : s);
        return b.build();
    }

    /** These shards placed by a layout ({@link Builder#layout}). */
    public ShardTopology withLayout(TokenLayout newLayout) {
        return toBuilder(newLayout).build();
    }

    private Builder toBuilder(TokenLayout newLayout) {
        Builder b = builder().vnodesPerShard(vnodesPerShard);
        b.layout = newLayout;
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
        return o instanceof ShardTopology t && shards.equals(t.shards) && vnodesPerShard == t.vnodesPerShard
                && Objects.equals(layout, t.layout);
    }

    @Override
    public int hashCode() {
        return (shards.hashCode() * 31 + vnodesPerShard) * 31 + Objects.hashCode(layout);
    }

    @Override
    public String toString() {
        String placement = layout == null ? "vnodesPerShard=" + vnodesPerShard
                : "layout version " + layout.version() + " (" + layout.tokensPerUnit() + " tokens per unit)";
        return "ShardTopology{" + placement + ", shards="
                + shards.stream().map(s -> s.name() + "x" + s.weight()).collect(Collectors.joining(", ")) + "}";
    }

    /** Builds a {@link ShardTopology}; {@link #build()} rejects duplicate shard names and an empty topology. */
    public static final class Builder {
        private final List<ShardSpec> shards = new ArrayList<>();
        private int vnodesPerShard = HashRing.DEFAULT_VNODES;
        private TokenLayout layout;

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

        /**
         * Places the shards by this balanced layout instead of random vnodes. Every shard the layout names must be
         * a shard of the topology, with the same weight; shards it lacks get tokens from the allocator, in the
         * order of their names, so every process with the same layout and shards builds the same ring.
         */
        public Builder layout(TokenLayout layout) {
            if (layout == null) {
                throw new IllegalArgumentException("layout must not be null");
            }
            this.layout = layout;
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
            return new ShardTopology(shards, vnodesPerShard, layout == null ? null : fitted(names));
        }

        private TokenLayout fitted(Map<String, ShardSpec> names) {
            for (Node n : layout.nodes()) {
                ShardSpec s = names.get(n.id());
                if (s == null) {
                    throw new IllegalArgumentException("the token layout (version " + layout.version()
                            + ") places shard '" + n.id() + "', which the topology does not define (shards: "
                            + String.join(", ", names.keySet()) + ")");
                }
                if (Double.compare(s.weight(), n.weight()) != 0) {
                    throw new IllegalArgumentException("shard '" + n.id() + "' has weight " + s.weight()
                            + " but the token layout (version " + layout.version() + ") gives it " + n.weight());
                }
            }
            List<Node> wanted = new ArrayList<>(layout.nodes());
            names.values().stream().filter(s -> !layout.contains(s.name()))
                    .sorted(Comparator.comparing(ShardSpec::name, Node.ID_ORDER))
                    .forEach(s -> wanted.add(Node.of(s.name(), s.weight())));
            return layout.fittedTo(wanted);
        }
    }
}
