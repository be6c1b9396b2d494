package io.ringroute.ring;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * Walks the ring clockwise from a token and lists distinct physical nodes, zones first: a node whose zone is not
 * yet used is taken at once; a node whose zone is used is held back and placed after every zone has been used or
 * the walk has gone all the way round. Nodes without a zone count as a zone of their own. Not thread-safe: it
 * reuses its scratch arrays.
 */
final class PreferenceWalk {

    private final int[] owners;
    private final int[] zoneOf;       // per node: index of its zone (a node without a zone has its own)
    private final int zoneCount;
    private final boolean[] seen;     // per node
    private final boolean[] zoneUsed; // per zone
    private final int[] heldBack;
    private final IntUnaryOperator ownerAt;

    PreferenceWalk(Node[] nodes, int[] owners) {
        this.owners = owners;
        this.zoneOf = new int[nodes.length];
        Map<String, Integer> zones = new HashMap<>();
        int count = 0;
        for (int n = 0; n < nodes.length; n++) {
            String z = nodes[n].zoneOrNull();
            if (z == null) {
                zoneOf[n] = count++;
            } else {
                Integer known = zones.get(z);
                if (known == null) {
                    known = count++;
                    zones.put(z, known);
                }
                zoneOf[n] = known;
            }
        }
        this.zoneCount = count;
        this.seen = new boolean[nodes.length];
        this.zoneUsed = new boolean[count];
        this.heldBack = new int[nodes.length];
        this.ownerAt = q -> owners[q];
    }

    /**
     * Writes the first {@code r} preferred node indices for the arc ending at token index {@code start}; returns
     * how many tokens the walk examined.
     */
    int fill(int start, int r, int[] out, int offset) {
        long walked = walk(ownerAt, owners.length, start, r, zoneCount, zoneOf, seen, zoneUsed, heldBack, out, offset);
        if ((int) walked < r) {
            throw new IllegalStateException("asked for " + r + " replicas from " + seen.length + " nodes");
        }
        return (int) (walked >>> 32);
    }

    /**
     * The walk over any ring of {@code t} tokens whose owner at position q is {@code ownerAt(q)}: writes up to r
     * node indices into {@code out} from {@code offset} and returns {@code (steps << 32) | taken}, steps being the
     * tokens it examined. {@code zones} is the number of zones among the ring's nodes; the scratch arrays are
     * all-false (and left so) and as long as the node and zone counts.
     */
    static long walk(IntUnaryOperator ownerAt, int t, int start, int r, int zones, int[] zoneOf, boolean[] seen,
                     boolean[] zoneUsed, int[] heldBack, int[] out, int offset) {
        int taken = 0;
        int held = 0;
        int zonesUsed = 0;
        int step = 0;
        // Phase 1: one node per new zone, until r are taken or every zone is used.
        for (; step < t && taken < r && zonesUsed < zones; step++) {
            int n = ownerAt.applyAsInt((start + step) % t);
            if (seen[n]) {
                continue;
            }
            seen[n] = true;
            if (!zoneUsed[zoneOf[n]]) {
                zoneUsed[zoneOf[n]] = true;
                zonesUsed++;
                out[offset + taken++] = n;
            } else {
                heldBack[held++] = n;
            }
        }
        // Phase 2: the held-back nodes in walk order, then any further distinct nodes.
        for (int h = 0; h < held && taken < r; h++) {
            out[offset + taken++] = heldBack[h];
        }
        for (; step < t && taken < r; step++) {
            int n = ownerAt.applyAsInt((start + step) % t);
            if (!seen[n]) {
                seen[n] = true;
                out[offset + taken++] = n;
            }
        }
        for (int s = 0; s < step; s++) {
            int n = ownerAt.applyAsInt((start + s) % t);
            seen[n] = false;
            zoneUsed[zoneOf[n]] = false;
        }
        return ((long) step << 32) | taken;
    }
}
