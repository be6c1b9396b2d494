package io.ringroute.bench.jmh;

import io.ringroute.bench.harness.KeySample;
import java.util.SplittableRandom;

/**
 * Keys the lookup benchmarks cycle through: 8192 of them (at least 4096, issue 13), so the branch predictor cannot
 * learn the search paths and the ring's arrays are read at varied places, yet the keys themselves stay in cache.
 */
final class LookupKeys {

    static final int COUNT = 8192;
    static final int MASK = COUNT - 1;
    private static final long SEED = 42;

    private LookupKeys() {
    }

    /** {@value #COUNT} 16-char lower-case alphanumeric strings, as the harness generates. */
    static String[] strings() {
        return strings(COUNT);
    }

    /** The first {@code count} strings of the same sample ({@code count} a power of two, at least 4096). */
    static String[] strings(int count) {
        if (count < 4096 || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("key count must be a power of two of at least 4096, was " + count);
        }
        KeySample sample = KeySample.generate(count, 16, SEED);
        String[] keys = new String[count];
        for (int i = 0; i < count; i++) {
            keys[i] = sample.key(i);
        }
        return keys;
    }

    static long[] longs() {
        return new SplittableRandom(SEED).longs(COUNT).toArray();
    }
}
