package io.ringroute.shard.catalog;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.RangeMove;
import io.ringroute.ring.TokenLayout;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The topology catalog as read in one transaction: the ring members at the current epoch (and their token layout,
 * when the catalog places shards by balanced allocation), the target of an unfinished resharding with its moves
 * and layout, and the per-shard cutover floors for replica reads.
 *
 * @param epoch        grows by one with every ownership change
 * @param vnodes       virtual nodes per unit of weight (0 in a catalog that holds a layout)
 * @param members      shard name to weight, the ring before any move of the current resharding
 * @param layout       the members' token layout, or empty for random vnodes
 * @param target       shard name to weight after the current resharding, if one is running
 * @param targetLayout the target's token layout, if one is running in a catalog with a layout
 * @param moves        the moves of the current resharding, in plan order (empty when none)
 * @param floors       per shard, the primary LSN after the last cutover that moved rows into it
 */
public record CatalogSnapshot(long epoch, int vnodes, Map<String, Double> members, Optional<TokenLayout> layout,
                              Optional<Map<String, Double>> target, Optional<TokenLayout> targetLayout,
                              List<CatalogMove> moves, Map<String, Long> floors) {

    public CatalogSnapshot {
        members = sortedCopy(members);
        target = target.map(CatalogSnapshot::sortedCopy);
        moves = List.copyOf(moves);
        floors = Map.copyOf(floors);
        if (layout.isPresent()) {
            requireSameShards("members", members, layout.get());
        }
        if (target.isPresent() && targetLayout.isPresent()) {
            requireSameShards("target", target.get(), targetLayout.get());
        }
        if (target.isPresent() && layout.isPresent() != targetLayout.isPresent()) {
            throw new IllegalStateException("the catalog holds a token layout for the "
                    + (layout.isPresent() ? "members but not for the target" : "target but not for the members"));
        }
    }

    /** The ring of the members: their layout's tokens, or random vnodes. */
    public HashRing ring() {
        return layout.map(l -> HashRing.builder().layout(l).build()).orElseGet(() -> ringOf(vnodes, members));
    }

    /**
     * The layout for these shard weights, evolved from the members' layout by the allocator (removed shards' tokens
     * deleted, new shards' allocated in name order); empty for a catalog of random vnodes.
     */
    public Optional<TokenLayout> layoutFor(Map<String, Double> weights) {
        return layout.map(l -> l.fittedTo(sortedCopy(weights).entrySet().stream()
                .map(e -> Node.of(e.getKey(), e.getValue())).toList()));
    }

    /** The ring of these shard weights, placed as this catalog places shards. */
    public HashRing ringFor(Map<String, Double> weights) {
        return layoutFor(weights).map(l -> HashRing.builder().layout(l).build())
                .orElseGet(() -> ringOf(vnodes, weights));
    }

    /** The moves already handed over to their new owner. */
    public List<RangeMove> handedOver() {
        return moves.stream().filter(m -> m.state().handedOver()).map(CatalogMove::asRangeMove).toList();
    }

    private static void requireSameShards(String which, Map<String, Double> weights, TokenLayout layout) {
        Map<String, Double> placed = new TreeMap<>(Node.ID_ORDER);
        layout.nodes().forEach(n -> placed.put(n.id(), n.weight()));
        if (!placed.equals(weights)) {
            throw new IllegalStateException("the catalog's " + which + " " + weights + " differ from the shards"
                    + " its token layout (version " + layout.version() + ") places: " + placed);
        }
    }

    private static Map<String, Double> sortedCopy(Map<String, Double> weights) {
        Map<String, Double> sorted = new TreeMap<>(Node.ID_ORDER);
        sorted.putAll(weights);
        return Collections.unmodifiableMap(sorted);
    }

    private static HashRing ringOf(int vnodes, Map<String, Double> weights) {
        return HashRing.builder().vnodesPerNode(vnodes)
                .nodes(weights.entrySet().stream().map(e -> Node.of(e.getKey(), e.getValue())).toList()).build();
    }
}
