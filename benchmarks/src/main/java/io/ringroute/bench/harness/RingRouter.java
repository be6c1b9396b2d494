package io.ringroute.bench.harness;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.RebalancePlan;
import io.ringroute.ring.ReplicaChange;
import io.ringroute.ring.ReplicaSet;
import io.ringroute.ring.TokenPlacement;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Our {@link HashRing} with random vnodes or balanced allocation; the only scheme with exact shares and exact
 * movement. A change rebuilds the ring with the same placement, so an allocated ring's layout grows with it.
 */
final class RingRouter implements KeyRouter {

    private final int maxReplicas;
    private final HashRing ring;

    RingRouter(TokenPlacement placement, int maxReplicas, Membership membership) {
        this.maxReplicas = maxReplicas;
        this.ring = HashRing.builder()
                .placement(placement)
                .maxReplicas(maxReplicas)
                .nodes(membership.members().stream().map(m -> Node.of(m.id(), m.weight())).toList())
                .build();
    }

    private RingRouter(HashRing ring, int maxReplicas) {
        this.ring = ring;
        this.maxReplicas = maxReplicas;
    }

    /** This router with the ring's layout re-balanced by {@code moves} restore steps (allocated rings only). */
    RingRouter rebalanced(int moves) {
        return ring.layout().map(l -> new RingRouter(HashRing.builder().layout(l.rebalanced(moves))
                .maxReplicas(maxReplicas).build(), maxReplicas)).orElse(this);
    }

    HashRing ring() {
        return ring;
    }

    @Override
    public String owner(String key, long token) {
        return ring.primaryForToken(token).id();
    }

    @Override
    public int replicas(String key, long token, int r, String[] out) {
        ReplicaSet set = ring.replicasForToken(token, r);
        for (int i = 0; i < set.size(); i++) {
            out[i] = set.get(i).id();
        }
        return set.size();
    }

    /**
     * The ring changed one node at a time ({@code withoutNode}, {@code withNode}, {@code withWeight}), which
     * rebuilds incrementally and gives the ring a build from scratch would (the placement evolves the same way).
     */
    @Override
    public KeyRouter with(Membership next) {
        HashRing changed = ring;
        Set<String> staying = new HashSet<>(next.ids());
        for (Node n : ring.nodes()) {
            if (!staying.contains(n.id())) {
                changed = changed.withoutNode(n.id());
            }
        }
        for (Member m : next.members()) {
            Node have = changed.node(m.id()).orElse(null);
            if (have == null) {
                changed = changed.withNode(Node.of(m.id(), m.weight()));
            } else if (Double.compare(have.weight(), m.weight()) != 0) {
                changed = changed.withWeight(m.id(), m.weight());
            }
        }
        return new RingRouter(changed, maxReplicas);
    }

    /** From {@link RebalancePlan}: the arcs whose primary (r = 1) or replica set (r > 1) changes. */
    @Override
    public OptionalDouble exactMovedFraction(KeyRouter after, int r) {
        if (!(after instanceof RingRouter)) {
            return OptionalDouble.empty();
        }
        RebalancePlan plan = RebalancePlan.between(ring, ((RingRouter) after).ring);
        if (r == 1) {
            return OptionalDouble.of(plan.movedFraction());
        }
        return OptionalDouble.of(plan.replicaChanges(r).stream()
                .mapToDouble((ReplicaChange c) -> c.range().fraction())
                .sum());
    }

    @Override
    public Map<String, Double> exactShares() {
        return ring.ownership();
    }

    /** Each node's exact share of the keys it holds a replica of, with r replicas per key. */
    Map<String, Double> exactShares(int r) {
        return ring.ownership(r);
    }

    /** The ring's own estimate ({@link HashRing#retainedBytes}): its arrays and its lookup index. */
    @Override
    public long estimatedBytes() {
        return ring.retainedBytes();
    }
}
