package io.ringroute.demo.ops;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.OwnedRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A ring as the page draws it: each node's exact share, and the arcs of the circle as fractions of a turn from the
 * top, clockwise ({@code [start, end, nodeIndex]}; {@code end < start} wraps past the top). Neighbouring ranges of
 * one owner are joined, so the page gets at most one arc per vnode boundary that changes owner.
 */
public record RingView(List<NodeShare> nodes, List<double[]> arcs) {
    public record NodeShare(String id, double share, double weight) {
    }

    private static final double TWO_TO_53 = 0x1p53;

    public static RingView of(HashRing ring) {
        List<Node> nodes = ring.nodes();
        Map<String, Double> shares = ring.ownership();
        List<NodeShare> views = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            views.add(new NodeShare(n.id(), shares.getOrDefault(n.id(), 0.0), n.weight()));
        }
        List<double[]> arcs = new ArrayList<>();
        double[] open = null;
        for (OwnedRange r : ring.ranges()) {
            int owner = nodes.indexOf(r.owner());
            double start = fraction(r.range().start());
            double end = fraction(r.range().end());
            if (open != null && open[2] == owner && open[1] == start) {
                open[1] = end;
            } else {
                open = new double[] {start, end, owner};
                arcs.add(open);
            }
        }
        return new RingView(views, arcs);
    }

    /** A signed 64-bit token as a fraction of the circle, Long.MIN_VALUE at 0. */
    static double fraction(long token) {
        return ((token - Long.MIN_VALUE) >>> 11) / TWO_TO_53;
    }
}
