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

    /** 16-char lower-case alphanumeric strings, as the harness generates. */
    static String[] strings() {
        KeySample sample = KeySample.generate(COUNT, 16, SEED);
        String[] keys = new String[COUNT];
        for (int i = 0; i < COUNT; i++) {
            keys[i] = sample.key(i);
        }
        return keys;
    }

    static long[] longs() {
        return new SplittableRandom(SEED).longs(COUNT).toArray();
    }
}
