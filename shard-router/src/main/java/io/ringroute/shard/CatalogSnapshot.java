package io.ringroute.shard;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.RangeMove;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The topology catalog as read in one transaction: the ring members at the current epoch, the target of an
 * unfinished resharding with its moves, and the per-shard cutover floors for replica reads.
 *
 * @param epoch   grows by one with every ownership change
 * @param vnodes  virtual nodes per unit of weight
 * @param members shard name to weight, the ring before any move of the current resharding
 * @param target  shard name to weight after the current resharding, if one is running
 * @param moves   the moves of the current resharding, in plan order (empty when none)
 * @param floors  per shard, the primary LSN after the last cutover that moved rows into it
 */
public record CatalogSnapshot(long epoch, int vnodes, Map<String, Double> members,
                              Optional<Map<String, Double>> target, List<CatalogMove> moves,
                              Map<String, Long> floors) {

    public CatalogSnapshot {
        members = sortedCopy(members);
        target = target.map(CatalogSnapshot::sortedCopy);
        moves = List.copyOf(moves);
        floors = Map.copyOf(floors);
    }

    /** The ring of the members. */
    public HashRing ring() {
        return ringOf(vnodes, members);
    }

    /** The moves already handed over to their new owner. */
    public List<RangeMove> handedOver() {
        return moves.stream().filter(m -> m.state().handedOver()).map(CatalogMove::asRangeMove).toList();
    }

    private static Map<String, Double> sortedCopy(Map<String, Double> weights) {
        Map<String, Double> sorted = new TreeMap<>(Node.ID_ORDER);
        sorted.putAll(weights);
        return Collections.unmodifiableMap(sorted);
    }

    static HashRing ringOf(int vnodes, Map<String, Double> weights) {
        return HashRing.builder().vnodesPerNode(vnodes)
                .nodes(weights.entrySet().stream().map(e -> Node.of(e.getKey(), e.getValue())).toList()).build();
    }
}
