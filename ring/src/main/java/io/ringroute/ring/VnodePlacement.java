package io.ringroute.ring;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Virtual nodes placed by hashing. Token {@code i} of node {@code id} is {@code H(utf8(id) || be32(i))}; when two
 * vnodes draw the same token, the one first in (node id, vnode index) order keeps it and every other re-draws with
 * {@code H(utf8(id) || be32(i) || be32(attempt))}, attempt = 1, 2, ... until it finds a token no first draw and no
 * earlier re-draw holds. The outcome depends only on the node set, never on the order nodes joined.
 */
final class VnodePlacement implements TokenPlacement {

    private final int vnodesPerNode;
    private final ToLongFunction<byte[]> hash;

    VnodePlacement(int vnodesPerNode, ToLongFunction<byte[]> hash) {
        if (vnodesPerNode < 1) {
            throw new IllegalArgumentException("vnodesPerNode must be >= 1, was " + vnodesPerNode);
        }
        this.vnodesPerNode = vnodesPerNode;
        this.hash = hash;
    }

    /** {@code max(1, round(weight * vnodesPerNode))}, rounding halves up. */
    int tokenCount(Node node) {
        long n = Math.round(node.weight() * vnodesPerNode);
        if (n > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("node '" + node.id() + "' with weight " + node.weight() + " would get "
                    + n + " tokens at " + vnodesPerNode + " vnodes per node; lower the weight");
        }
        return (int) Math.max(1, n);
    }

    @Override
    public long[][] place(List<Node> nodes) {
        long[][] tokens = new long[nodes.size()][];
        byte[][] ids = new byte[nodes.size()][];
        int total = 0;
        for (int n = 0; n < nodes.size(); n++) {
            ids[n] = nodes.get(n).id().getBytes(StandardCharsets.UTF_8);
            tokens[n] = new long[tokenCount(nodes.get(n))];
            for (int i = 0; i < tokens[n].length; i++) {
                tokens[n][i] = hash.applyAsLong(encode(ids[n], i, 0));
            }
            total += tokens[n].length;
        }
        resolveCollisions(tokens, ids, total);
        return tokens;
    }

    private void resolveCollisions(long[][] tokens, byte[][] ids, int total) {
        long[] all = new long[total];
        int k = 0;
        for (long[] t : tokens) {
            System.arraycopy(t, 0, all, k, t.length);
            k += t.length;
        }
        Arrays.sort(all);
        if (noDuplicates(all)) {
            return;
        }
        // Node arrays are in id order, and a node's vnodes in index order, so the first holder met keeps its token.
        Set<Long> firstDraws = new HashSet<>();
        for (long t : all) {
            firstDraws.add(t);
        }
        Set<Long> kept = new HashSet<>();
        List<int[]> losers = new ArrayList<>();
        for (int n = 0; n < tokens.length; n++) {
            for (int i = 0; i < tokens[n].length; i++) {
                if (!kept.add(tokens[n][i])) {
                    losers.add(new int[] {n, i});
                }
            }
        }
        Set<Long> taken = new HashSet<>(firstDraws);
        for (int[] loser : losers) {
            int n = loser[0];
            int i = loser[1];
            for (int attempt = 1; ; attempt++) {
                long t = hash.applyAsLong(encode(ids[n], i, attempt));
                if (taken.add(t)) {
                    tokens[n][i] = t;
                    break;
                }
            }
        }
    }

    private static boolean noDuplicates(long[] sorted) {
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1]) {
                return false;
            }
        }
        return true;
    }

    static byte[] encode(byte[] id, int vnode, int attempt) {
        ByteBuffer b = ByteBuffer.allocate(id.length + (attempt == 0 ? 4 : 8)); // big-endian by default
        b.put(id).putInt(vnode);
        if (attempt != 0) {
            b.putInt(attempt);
        }
        return b.array();
    }

    @Override
    public String toString() {
        return "vnodes(" + vnodesPerNode + ")";
    }
}
