package io.ringroute.bench.peers;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Which of {@code keys} keys a client asks for next: uniformly, or by Zipf's law (the key of rank k, counting from
 * 1, is drawn with probability proportional to 1 / k^s), sampled exactly by a binary search over the cumulative
 * distribution. Immutable; each thread brings its own random source. The scale run draws followees by rank with it.
 */
public final class HazelcastKeyPopularity {

    private final String label;
    private final int keys;
    private final double[] cumulative;

    private HazelcastKeyPopularity(String label, int keys, double[] cumulative) {
        this.label = label;
        this.keys = keys;
        this.cumulative = cumulative;
    }

    public static HazelcastKeyPopularity uniform(int keys) {
        requireKeys(keys);
        return new HazelcastKeyPopularity("uniform", keys, null);
    }

    public static HazelcastKeyPopularity zipf(int keys, double exponent) {
        requireKeys(keys);
        if (!(exponent > 0) || Double.isInfinite(exponent)) {
            throw new IllegalArgumentException("Zipf exponent must be positive, was " + exponent);
        }
        double[] cdf = new double[keys];
        double sum = 0;
        for (int k = 0; k < keys; k++) {
            sum += Math.pow(k + 1, -exponent);
            cdf[k] = sum;
        }
        for (int k = 0; k < keys; k++) {
            cdf[k] /= sum;
        }
        return new HazelcastKeyPopularity(String.format("Zipf %.1f", exponent), keys, cdf);
    }

    /** The index of the next key, in [0, keys); index 0 is the hottest under Zipf. */
    public int next(SplittableRandom random) {
        if (cumulative == null) {
            return random.nextInt(keys);
        }
        int i = Arrays.binarySearch(cumulative, random.nextDouble());
        return Math.min(i >= 0 ? i : -i - 1, keys - 1);
    }

    /** The share of draws that ask for the hottest key. */
    double hottestShare() {
        return cumulative == null ? 1.0 / keys : cumulative[0];
    }

    String label() {
        return label;
    }

    private static void requireKeys(int keys) {
        if (keys < 1) {
            throw new IllegalArgumentException("keys must be at least 1, was " + keys);
        }
    }
}
