package io.ringroute.ring;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a changed ring's arrays from the previous ring's when most tokens stayed put: tokens of unchanged nodes are
 * kept in order and the changed nodes' new tokens merged in (no sort of the whole ring), owners are renumbered, and
 * only the preference lists whose walk reads a changed position are walked again; all others are copied.
 *
 * <p>A walk from token q reads the owners at q, q+1, ... and stops once it has every zone (up to r) and r distinct
 * nodes; starting one token earlier only adds a node to what it has seen, so it stops at or before the same
 * position. Walking back from each changed position b, the first q whose walk stops before b ends the scan: no
 * earlier walk reaches b either. Applies when the node count stays above the precomputed list length r, the zones
 * of the nodes that stay are unchanged and min(r, number of zones) is too (a walk depends on nothing else);
 * otherwise the caller rebuilds in full.
 */
final class RingRebuild {

    final long[] tokens;
    final int[] owners;
    final int[] preferences;

    private RingRebuild(long[] tokens, int[] owners, int[] preferences) {
        this.tokens = tokens;
        this.owners = owners;
        this.preferences = preferences;
    }

    /**
     * The new ring's arrays, or null when an incremental rebuild does not apply.
     *
     * @param oldNodes  the previous ring's nodes, in id order, and its arrays
     * @param nodes     the new ring's nodes, in id order
     * @param placed    the new ring's tokens per node
     * @param prefWidth the precomputed list length of both rings
     */
    static RingRebuild of(Node[] oldNodes, long[] oldTokens, int[] oldOwners, int[] oldPreferences, int oldWidth,
                          Node[] nodes, long[][] placed, int prefWidth) {
        if (oldWidth != prefWidth || oldTokens.length == 0 || nodes.length <= prefWidth
                || oldNodes.length <= prefWidth) {
            return null;
        }
        Map<String, Integer> newIndex = new HashMap<>();
        for (int n = 0; n < nodes.length; n++) {
            newIndex.put(nodes[n].id(), n);
        }
        // a walk stops at the r-th node once it has min(r, zones) zones, so only that minimum matters
        if (Math.min(zoneCount(oldNodes), prefWidth) != Math.min(zoneCount(nodes), prefWidth)) {
            return null;
        }
        // old node index -> new index, or -1 when the node left or its tokens changed
        long[][] oldByNode = tokensByNode(oldNodes.length, oldTokens, oldOwners);
        int[] remap = new int[oldNodes.length];
        boolean[] kept = new boolean[nodes.length];
        int keptTokens = 0;
        for (int m = 0; m < oldNodes.length; m++) {
            Integer n = newIndex.get(oldNodes[m].id());
            if (n != null && !Objects.equals(oldNodes[m].zoneOrNull(), nodes[n].zoneOrNull())) {
                return null;
            }
            if (n != null && Arrays.equals(oldByNode[m], sorted(placed[n]))) {
                remap[m] = n;
                kept[n] = true;
                keptTokens += oldByNode[m].length;
            } else {
                remap[m] = -1;
            }
        }
        int fresh = 0;
        for (int n = 0; n < nodes.length; n++) {
            fresh += kept[n] ? 0 : placed[n].length;
        }
        if (fresh > keptTokens) {
            return null;        // most tokens changed: a full rebuild is no dearer
        }
        long[] added = new long[fresh];
        int[] addedOwner = new int[fresh];
        int a = 0;
        for (int n = 0; n < nodes.length; n++) {
            if (!kept[n]) {
                for (long t : placed[n]) {
                    added[a++] = t;
                }
            }
        }
        sortWithOwners(added, addedOwner, nodes, placed, kept);
        return merge(oldTokens, oldOwners, oldPreferences, remap, added, addedOwner, nodes, prefWidth);
    }

    private static RingRebuild merge(long[] oldTokens, int[] oldOwners, int[] oldPreferences, int[] remap,
                                     long[] added, int[] addedOwner, Node[] nodes, int width) {
        int total = added.length;
        for (int i = 0; i < oldTokens.length; i++) {
            total += remap[oldOwners[i]] >= 0 ? 1 : 0;
        }
        long[] tokens = new long[total];
        int[] owners = new int[total];
        int[] preferences = new int[total * width];
        boolean[] changedAt = new boolean[total + 1];   // position whose sequence differs from the old ring's
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < oldTokens.length || j < added.length) {
            boolean takeOld = j == added.length || (i < oldTokens.length && oldTokens[i] < added[j]);
            if (takeOld) {
                int n = remap[oldOwners[i]];
                if (n < 0) {
                    changedAt[k] = true;        // a token left just before position k
                } else {
                    tokens[k] = oldTokens[i];
                    owners[k] = n;
                    for (int w = 0; w < width; w++) {
                        int p = oldPreferences[i * width + w];
                        preferences[k * width + w] = remap[p];  // -1 marks a list that will be walked again
                    }
                    k++;
                }
                i++;
            } else {
                tokens[k] = added[j];
                owners[k] = addedOwner[j];
                changedAt[k] = true;
                k++;
                j++;
            }
        }
        if (changedAt[total]) {
            changedAt[0] = true;                // a token left after the last one: the wrap
        }
        for (int t = 1; t < total; t++) {
            if (tokens[t] == tokens[t - 1]) {
                throw new IllegalStateException("token " + tokens[t] + " given to two vnodes");
            }
        }
        PreferenceWalk walk = new PreferenceWalk(nodes, owners);
        for (int b = 0; b < total; b++) {
            if (!changedAt[b]) {
                continue;
            }
            for (int back = 0; back < total; back++) {
                int q = Math.floorMod(b - back, total);
                int steps = walk.fill(q, width, preferences, q * width);
                if (steps <= back) {
                    break;
                }
            }
        }
        for (int p : preferences) {
            if (p < 0) {
                throw new IllegalStateException("incremental rebuild left a replica list unwalked");
            }
        }
        return new RingRebuild(tokens, owners, preferences);
    }

    /** Each old node's tokens, ascending (the ring's order). */
    private static long[][] tokensByNode(int nodeCount, long[] tokens, int[] owners) {
        int[] count = new int[nodeCount];
        for (int o : owners) {
            count[o]++;
        }
        long[][] out = new long[nodeCount][];
        for (int m = 0; m < nodeCount; m++) {
            out[m] = new long[count[m]];
        }
        int[] fill = new int[nodeCount];
        for (int i = 0; i < tokens.length; i++) {
            out[owners[i]][fill[owners[i]]++] = tokens[i];
        }
        return out;
    }

    private static long[] sorted(long[] tokens) {
        for (int i = 1; i < tokens.length; i++) {
            if (tokens[i] < tokens[i - 1]) {
                long[] copy = tokens.clone();
                Arrays.sort(copy);
                return copy;
            }
        }
        return tokens;
    }

    /** Sorts the changed nodes' tokens and fills their owners. */
    private static void sortWithOwners(long[] added, int[] owner, Node[] nodes, long[][] placed, boolean[] kept) {
        Arrays.sort(added);
        for (int n = 0; n < nodes.length; n++) {
            if (!kept[n]) {
                for (long t : placed[n]) {
                    owner[Arrays.binarySearch(added, t)] = n;
                }
            }
        }
    }

    private static int zoneCount(Node[] nodes) {
        Map<String, Boolean> zones = new HashMap<>();
        int count = 0;
        for (Node n : nodes) {
            if (n.zoneOrNull() == null) {
                count++;
            } else if (zones.put(n.zoneOrNull(), Boolean.TRUE) == null) {
                count++;
            }
        }
        return count;
    }
}
