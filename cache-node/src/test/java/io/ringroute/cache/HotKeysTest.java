package io.ringroute.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The hot key sketch on synthetic streams: what it finds depends on the reads it sampled, never on time. */
class HotKeysTest {

    /** Zipf(1.0) over {@code keys} ranks: rank r (1-based) is drawn with weight 1/r; tokens are 1000 + rank. */
    private static final class Zipf {
        private final double[] cdf;
        private final SplittableRandom random = new SplittableRandom(7);

        Zipf(int keys) {
            cdf = new double[keys];
            double sum = 0;
            for (int r = 1; r <= keys; r++) {
                sum += 1.0 / r;
                cdf[r - 1] = sum;
            }
            for (int i = 0; i < keys; i++) {
                cdf[i] /= sum;
            }
        }

        long next() {
            int i = java.util.Arrays.binarySearch(cdf, random.nextDouble());
            return 1000 + (i >= 0 ? i : -i - 1) + 1;
        }
    }

    @Test
    void findsTheTopKeysOfAZipfStreamAndNoKeyBelowTheShare() {
        HotKeys hot = new HotKeys(HotKeys.CAPACITY, 1, HotKeys.HOT_SHARE, HotKeys.DECAY_EVERY, HotKeys.PUBLISH_EVERY);
        Zipf zipf = new Zipf(100_000);
        for (int i = 0; i < 200_000; i++) {
            hot.record(zipf.next());
        }
        // Zipf(1.0) over 100,000 keys: rank r has share 1/(r * 12.09); 1/128 and more for ranks 1..10.
        assertThat(LongStream.rangeClosed(1001, 1008)).allMatch(hot::isHot);
        assertThat(LongStream.rangeClosed(1020, 101_000)).noneMatch(hot::isHot);
        assertThat(hot.hotCount()).isBetween(8, 12);
    }

    @Test
    void aKeyThatCoolsIsNoLongerHotOnceEnoughOtherReadsWereSampled() {
        HotKeys hot = new HotKeys(16, 1, 0.1, 256, 16);
        for (int i = 0; i < 1_000; i++) {
            hot.record(i % 2 == 0 ? 1 : 100 + i % 50);
        }
        assertThat(hot.isHot(1)).isTrue();
        for (int i = 0; i < 4_000; i++) {
            hot.record(2 + i % 4);
        }
        assertThat(hot.isHot(1)).isFalse();
        assertThat(LongStream.rangeClosed(2, 5)).allMatch(hot::isHot);
    }

    @Test
    void memoryStaysAtItsCountersHoweverManyKeysAreRead() {
        HotKeys hot = new HotKeys(8, 1, 0.05, 1 << 20, 64);
        for (long t = 0; t < 1_000_000; t++) {
            hot.record(t % 3 == 0 ? 42 : t); // every other key once: a million distinct keys for 8 counters
        }
        assertThat(hot.isHot(42)).isTrue();
        assertThat(hot.hotCount()).isEqualTo(1);
    }

    @Test
    void samplesAboutOneReadInItsRate() {
        HotKeys hot = new HotKeys(4, 64, 0.5, 1 << 20, 1);
        int reads = 0;
        while (!hot.isHot(9) && reads < 100_000) {
            hot.record(9);
            reads++;
        }
        // hot after 8 samples (the minimum count): about 8 x 64 reads, far more than 8
        assertThat(reads).isBetween(64, 99_999);
    }

    @Test
    void offFindsNothing() {
        for (int i = 0; i < 10_000; i++) {
            HotKeys.OFF.record(5);
        }
        assertThat(HotKeys.OFF.isHot(5)).isFalse();
        assertThat(HotKeys.OFF.hotCount()).isZero();
    }

    @Test
    void aSampleRateThatIsNoPowerOfTwoIsRefusedByName() {
        assertThatThrownBy(() -> new HotKeys(8, 3, 0.1, 10, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power-of-two sample rate").hasMessageContaining("1/3");
    }
}
