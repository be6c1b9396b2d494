package io.ringroute.ring;

import java.util.List;

/**
 * Decides where each node's tokens sit on the circle. A strategy, so that other placements (balanced allocation,
 * fixed tokens) can be added without changing how rings are used.
 *
 * <p>Implementations must be pure functions of what they hold and the node list they are given, so that every
 * process building the same ring gets the same tokens, and must return tokens distinct across all nodes.
 */
public interface TokenPlacement {

    /**
     * Tokens for every node.
     *
     * @param nodes the ring's nodes in {@link Node#ID_ORDER} of their ids
     * @return one array per node, in the same order; all tokens distinct
     */
    long[][] place(List<Node> nodes);

    /**
     * Virtual-node placement: a node gets {@code max(1, round(weight * vnodesPerNode))} tokens, each the MurmurHash3
     * of the node id and the vnode index. The exact spec is in ring/README.md.
     */
    static TokenPlacement vnodes(int vnodesPerNode) {
        return new VnodePlacement(vnodesPerNode, KeyHash.MURMUR3::hashBytes);
    }

    /**
     * Balanced allocation: tokens read from a {@link TokenLayout}; nodes the layout lacks get tokens by the
     * allocation step (spec in ring/README.md) when a ring is built or changed, so the ring's layout (see
     * {@link HashRing#layout()}) grows with it. Unlike {@link #vnodes}, the tokens depend on the order nodes joined:
     * ship the layout ({@link TokenLayout#toText()}) rather than re-deriving it.
     */
    static TokenPlacement allocated(TokenLayout layout) {
        return new AllocatedPlacement(layout);
    }
}
