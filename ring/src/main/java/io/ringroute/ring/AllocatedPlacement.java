package io.ringroute.ring;

import java.util.List;

/**
 * Tokens read from a {@link TokenLayout}. A ring built over other nodes than the layout's first fits the layout to
 * them ({@link #fittedTo}): missing nodes are allocated, extra ones removed, so {@link HashRing#withNode} and friends
 * evolve the layout one change at a time.
 */
final class AllocatedPlacement implements TokenPlacement {

    private final TokenLayout layout;

    AllocatedPlacement(TokenLayout layout) {
        if (layout == null) {
            throw new IllegalArgumentException("layout must not be null");
        }
        this.layout = layout;
    }

    TokenLayout layout() {
        return layout;
    }

    /** The placement whose layout holds exactly these nodes (this one when it already does). */
    AllocatedPlacement fittedTo(List<Node> nodes) {
        TokenLayout fitted = layout.fittedTo(nodes);
        return fitted == layout ? this : new AllocatedPlacement(fitted);
    }

    @Override
    public long[][] place(List<Node> nodes) {
        if (nodes.size() != layout.size()) {
            throw new IllegalArgumentException("layout version " + layout.version() + " has " + layout.size()
                    + " nodes, the ring " + nodes.size());
        }
        long[][] out = new long[nodes.size()][];
        for (int n = 0; n < out.length; n++) {
            out[n] = layout.tokens(nodes.get(n).id());
        }
        return out;
    }

    @Override
    public String toString() {
        return "allocated(version " + layout.version() + ", " + layout.tokensPerUnit() + " per unit)";
    }
}
