package io.ringroute.ring;

import java.util.List;
import java.util.function.Function;

/**
 * A ring together with one value per node (a connection pool, a cache client), laid out by the ring's node
 * positions: an immutable snapshot a hot path reads once per call to go from a token to the value of any of its
 * replicas without allocating, hashing node ids or meeting a node the ring has but the values lack. Swap the whole
 * table when the ring or the values change.
 *
 * @param <T> the per-node value
 */
public final class ReplicaTable<T> {

    private final HashRing ring;
    private final Object[] values;

    private ReplicaTable(HashRing ring, Object[] values) {
        this.ring = ring;
        this.values = values;
    }

    /**
     * The table of {@code ring} with {@code valueOf(node)} for each of its nodes.
     *
     * @throws IllegalArgumentException if {@code valueOf} gives null for a node
     */
    public static <T> ReplicaTable<T> of(HashRing ring, Function<Node, ? extends T> valueOf) {
        if (ring == null || valueOf == null) {
            throw new IllegalArgumentException("a replica table needs a ring and a value per node");
        }
        List<Node> nodes = ring.nodes();
        Object[] values = new Object[nodes.size()];
        for (int i = 0; i < values.length; i++) {
            Node n = nodes.get(i);
            values[i] = valueOf.apply(n);
            if (values[i] == null) {
                throw new IllegalArgumentException("no value for ring node '" + n.id() + "'");
            }
        }
        return new ReplicaTable<>(ring, values);
    }

    public HashRing ring() {
        return ring;
    }

    /** How many replicas a key has for replication factor {@code r}: {@code min(r, ring().size())}. */
    public int replicaCount(int r) {
        return Math.min(r, ring.size());
    }

    /**
     * The value of the token's replica number {@code k} (0 = primary, in {@link HashRing#replicasForToken} order).
     * Allocates nothing for {@code k} below the ring's {@code maxReplicas}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= k < ring().size()}
     */
    @SuppressWarnings("unchecked")
    public T replica(long token, int k) {
        return (T) values[ring.replicaPosition(token, k)];
    }

    /**
     * Looks the token up once for several replicas ({@link HashRing#replicaPositionsForToken}): writes the ring
     * positions of its first {@code min(r, ring().size())} replicas into {@code out}, primary first, and returns that
     * count; {@link #valueAt}{@code (out[k])} is then {@code replica(token, k)} without another lookup. Allocates
     * nothing for a count up to the ring's {@code maxReplicas}.
     *
     * @throws IllegalArgumentException if {@code r < 1} or {@code out} is shorter than the count
     */
    public int replicaPositions(long token, int r, int[] out) {
        return ring.replicaPositionsForToken(token, r, out);
    }

    /**
     * The value of the node at a ring position (as written by {@link #replicaPositions}).
     *
     * @throws IllegalArgumentException unless {@code 0 <= position < ring().size()}
     */
    @SuppressWarnings("unchecked")
    public T valueAt(int position) {
        if (position < 0 || position >= values.length) {
            throw new IllegalArgumentException("ring position " + position + " out of 0.." + (values.length - 1));
        }
        return (T) values[position];
    }
}
