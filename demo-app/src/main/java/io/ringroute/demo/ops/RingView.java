package io.ringroute.demo.ops;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.RangeMove;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A ring as the page draws it: each node's share, and the arcs of the circle as fractions of a turn from the top,
 * clockwise ({@code [start, end, nodeIndex]}; {@code end < start} wraps past the top). Neighbouring ranges of one
 * owner are joined. While a change runs, the ranges already handed over are drawn with their new owner, so the
 * ring changes range by range.
 */
public record RingView(List<NodeShare> nodes, List<double[]> arcs) {
    public record NodeShare(String id, double share) {
    }

    private static final double TWO_TO_53 = 0x1p53;

    public static RingView of(HashRing ring) {
        return of(ring, List.of(), List.of());
    }

    /**
     * @param ring       the ring before the change
     * @param handedOver ranges that already belong to their new owner
     * @param joining    nodes of the change's target that are not on {@code ring} yet (listed with share 0)
     */
    public static RingView of(HashRing ring, List<RangeMove> handedOver, List<String> joining) {
        List<String> ids = new ArrayList<>();
        ring.nodes().forEach(n -> ids.add(n.id()));
        joining.stream().filter(id -> !ids.contains(id)).forEach(ids::add);
        handedOver.stream().map(m -> m.to().id()).filter(id -> !ids.contains(id)).forEach(ids::add);

        long[] bounds = boundaries(ring, handedOver);
        double[] share = new double[ids.size()];
        List<double[]> arcs = new ArrayList<>();
        double[] open = null;
        for (int i = 0; i < bounds.length; i++) {
            long start = bounds[i == 0 ? bounds.length - 1 : i - 1];
            long end = bounds[i];
            int owner = ids.indexOf(ownerAt(ring, handedOver, end).id());
            double from = fraction(start);
            double to = fraction(end);
            // (start, end] spans end - start tokens, read as unsigned (two's complement wraps the circle).
            share[owner] += bounds.length == 1 ? 1.0 : ((end - start) >>> 11) / TWO_TO_53;
            if (open != null && open[2] == owner && open[1] == from) {
                open[1] = to;
            } else {
                open = new double[] {from, to, owner};
                arcs.add(open);
            }
        }
        if (arcs.size() > 1) {
            double[] first = arcs.get(0);
            double[] last = arcs.get(arcs.size() - 1);
            if (first[2] == last[2] && last[1] == first[0]) {
                last[1] = first[1]; // one arc across the top
                arcs.remove(0);
            }
        }
        Map<String, Double> byId = new LinkedHashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            byId.put(ids.get(i), share[i]);
        }
        List<NodeShare> views = new ArrayList<>();
        byId.forEach((id, s) -> views.add(new NodeShare(id, s)));
        return new RingView(views, arcs);
    }

    /** The ring's tokens and the moved ranges' ends, sorted, each the (inclusive) end of one drawn range. */
    private static long[] boundaries(HashRing ring, List<RangeMove> handedOver) {
        long[] tokens = ring.tokens();
        long[] all = Arrays.copyOf(tokens, tokens.length + 2 * handedOver.size());
        int n = tokens.length;
        for (RangeMove m : handedOver) {
            all[n++] = m.range().start();
            all[n++] = m.range().end();
        }
        Arrays.sort(all);
        int unique = 0;
        for (int i = 0; i < all.length; i++) {
            if (i == 0 || all[i] != all[i - 1]) {
                all[unique++] = all[i];
            }
        }
        return Arrays.copyOf(all, unique);
    }

    private static Node ownerAt(HashRing ring, List<RangeMove> handedOver, long token) {
        for (RangeMove m : handedOver) {
            if (m.range().contains(token)) {
                return m.to();
            }
        }
        return ring.primaryForToken(token);
    }

    /** A signed 64-bit token as a fraction of the circle, Long.MIN_VALUE at 0. */
    static double fraction(long token) {
        return ((token - Long.MIN_VALUE) >>> 11) / TWO_TO_53;
    }
}
