package io.ringroute.bench.harness;

import io.ringroute.ring.KeyHash;
import java.util.List;

/**
 * Rendezvous (highest random weight) hashing, Thaler and Ravishankar 1998: every node scores every key and the
 * highest score wins; the top r scores are the replicas. There is no standard Java library for it, so this is the
 * textbook form: score = mix64(key hash XOR node seed), the node seed being the node id's {@link KeyHash} token.
 * With weights, the score is {@code -weight / ln(u)} for u the score as a uniform (0, 1) value (Schindelhauer and
 * Schomaker's logarithmic method), which gives each node a share proportional to its weight.
 *
 * <p>Lookups take O(n); an instance is immutable and thread-safe.
 */
public final class Rendezvous {

    private final long[] seeds;
    private final double[] weights; // null when all weights are 1: plain integer comparison

    private Rendezvous(long[] seeds, double[] weights) {
        this.seeds = seeds;
        this.weights = weights;
    }

    /** Equal-weight nodes with these ids, indexed in list order. */
    public static Rendezvous of(List<String> ids) {
        return new Rendezvous(seedsOf(ids), null);
    }

    /** Weighted nodes; {@code weights[i]} belongs to {@code ids.get(i)}. */
    public static Rendezvous weighted(List<String> ids, double[] weights) {
        for (double w : weights) {
            if (w != 1.0) {
                return new Rendezvous(seedsOf(ids), weights.clone());
            }
        }
        return of(ids);
    }

    private static long[] seedsOf(List<String> ids) {
        long[] seeds = new long[ids.size()];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = KeyHash.token(ids.get(i));
        }
        return seeds;
    }

    public int size() {
        return seeds.length;
    }

    /** Index of the node with the highest score for a key hash; ties go to the lower index. Allocates nothing. */
    public int pick(long hash) {
        int best = 0;
        long bestScore = Long.MIN_VALUE;
        for (int i = 0; i < seeds.length; i++) {
            long s = score(hash, i);
            if (s > bestScore) {
                bestScore = s;
                best = i;
            }
        }
        return best;
    }

    /**
     * Writes the indices of the r highest-scoring nodes, best first, into {@code out}; {@code out[0]} is always
     * {@link #pick}'s answer.
     *
     * @return min(r, node count)
     */
    public int top(long hash, int r, int[] out) {
        int n = Math.min(r, seeds.length);
        long[] best = new long[n];
        int filled = 0;
        for (int i = 0; i < seeds.length; i++) {
            long s = score(hash, i);
            if (filled == n && s <= best[n - 1]) {
                continue;
            }
            int pos = filled < n ? filled : n - 1; // the slot freed at the end
            while (pos > 0 && best[pos - 1] < s) {
                best[pos] = best[pos - 1];
                out[pos] = out[pos - 1];
                pos--;
            }
            best[pos] = s;
            out[pos] = i;
            if (filled < n) {
                filled++;
            }
        }
        return n;
    }

    /** Node i's score for a key hash, comparable as a signed long. */
    private long score(long hash, int i) {
        long h = mix64(hash ^ seeds[i]);
        if (weights == null) {
            // Unsigned order, as the weighted score's u below, so weight 1 ranks nodes the same on both paths.
            return h ^ Long.MIN_VALUE;
        }
        double u = ((h >>> 11) + 0.5) * 0x1.0p-53; // in (0, 1), never 0 or 1
        // A positive double's bit pattern orders as its value does.
        return Double.doubleToRawLongBits(-weights[i] / Math.log(u));
    }

    /** The MurmurHash3 64-bit finaliser: every input bit affects every output bit. */
    static long mix64(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb33f1a85ec53L;
        return z ^ (z >>> 33);
    }
}
