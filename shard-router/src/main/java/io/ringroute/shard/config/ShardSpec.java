package io.ringroute.shard.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** A shard: its name on the ring, its weight, its primary and its streaming replicas. Immutable. */
public final class ShardSpec {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,63}");

    private final String name;
    private final double weight;
    private final ServerSpec primary;
    private final List<ServerSpec> replicas;

    private ShardSpec(Builder b) {
        this.name = b.name;
        this.weight = b.weight;
        this.primary = b.primary;
        this.replicas = List.copyOf(b.replicas);
    }

    /** Names are 1-63 letters, digits, '_' or '-': they appear in ring node ids, pool names and config keys. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public double weight() {
        return weight;
    }

    public ServerSpec primary() {
        return primary;
    }

    public List<ServerSpec> replicas() {
        return replicas;
    }

    /** This shard with another weight. */
    public ShardSpec withWeight(double newWeight) {
        Builder b = builder(name).weight(newWeight).primary(primary);
        replicas.forEach(b::replica);
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ShardSpec)) {
            return false;
        }
        ShardSpec s = (ShardSpec) o;
        return name.equals(s.name) && Double.compare(weight, s.weight) == 0 && primary.equals(s.primary)
                && replicas.equals(s.replicas);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, weight, primary, replicas);
    }

    @Override
    public String toString() {
        return "ShardSpec{" + name + ", weight=" + weight + ", primary=" + primary.redactedUrl() + ", replicas="
                + replicas.stream().map(ServerSpec::redactedUrl).toList() + "}";
    }

    /** Builds a {@link ShardSpec}; every setter and {@link #build()} name the shard and the bad field. */
    public static final class Builder {
        private final String name;
        private double weight = 1.0;
        private ServerSpec primary;
        private final List<ServerSpec> replicas = new ArrayList<>();

        private Builder(String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("shard name must be 1-63 letters, digits, '_' or '-', was "
                        + (name == null ? "null" : "'" + name + "'"));
            }
            this.name = name;
        }

        public Builder weight(double weight) {
            if (!(weight > 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("shard '" + name + "': weight must be finite and > 0, was " + weight);
            }
            this.weight = weight;
            return this;
        }

        public Builder primary(ServerSpec primary) {
            if (primary == null) {
                throw new IllegalArgumentException("shard '" + name + "': primary must not be null");
            }
            this.primary = primary;
            return this;
        }

        public Builder replica(ServerSpec replica) {
            if (replica == null) {
                throw new IllegalArgumentException("shard '" + name + "': replica must not be null");
            }
            replicas.add(replica);
            return this;
        }

        public ShardSpec build() {
            if (primary == null) {
                throw new IllegalArgumentException("shard '" + name + "': primary is missing");
            }
            Set<String> seen = new HashSet<>();
            seen.add(primary.address());
            for (int i = 0; i < replicas.size(); i++) {
                ServerSpec r = replicas.get(i);
                if (r.address().equals(primary.address())) {
                    throw new IllegalArgumentException("shard '" + name + "': replica " + i + " ("
                            + r.redactedUrl() + ") is the primary itself");
                }
                if (!seen.add(r.address())) {
                    throw new IllegalArgumentException("shard '" + name + "': replica " + i + " ("
                            + r.redactedUrl() + ") is listed twice");
                }
            }
            return new ShardSpec(this);
        }
    }
}
