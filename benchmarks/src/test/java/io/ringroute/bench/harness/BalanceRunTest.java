package io.ringroute.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class BalanceRunTest {

    private static final KeySample KEYS = KeySample.generate(100_000, 16, 11);

    @Test
    void ringSharesFromKeysAgreeWithItsExactSharesWithinSamplingError() {
        for (int vnodes : List.of(1, 16, 256)) {
            BalanceRow row = new BalanceRun(KEYS).measure(10, Scheme.ring(vnodes, 1), Progress.NONE);
            assertThat(row.exactShares()).hasSize(10);
            for (int i = 0; i < 10; i++) {
                double p = row.exactShares()[i];
                double sigma = Math.sqrt(p * (1 - p) / KEYS.size());
                assertThat(row.sampledShares()[i]).as("v%d %s", vnodes, row.ids().get(i))
                        .isCloseTo(p, within(5 * sigma + 1e-9));
            }
        }
    }

    @Test
    void moreVnodesSpreadTheRingMoreEvenly() {
        BalanceRow one = new BalanceRun(KEYS).measure(10, Scheme.ring(1, 1), Progress.NONE);
        BalanceRow many = new BalanceRun(KEYS).measure(10, Scheme.ring(1000, 1), Progress.NONE);
        assertThat(many.exact().peakToMean()).isLessThan(one.exact().peakToMean());
        assertThat(many.exact().relStdDev()).isLessThan(0.1);
    }

    @Test
    void schemesWithoutExactSharesReportOnlySampledOnes() {
        BalanceRow row = new BalanceRun(KEYS).measure(10, Scheme.jump(), Progress.NONE);
        assertThat(row.exactShares()).isEmpty();
        assertThat(row.exact().peakToMean()).isNaN();
        assertThat(row.sampled().peakToMean()).isBetween(1.0, 1.05);
    }

    @Test
    void ringMemoryEstimateGrowsWithItsTokens() {
        BalanceRow small = new BalanceRun(KEYS).measure(10, Scheme.ring(16, 1), Progress.NONE);
        BalanceRow large = new BalanceRun(KEYS).measure(10, Scheme.ring(256, 1), Progress.NONE);
        // 2560 tokens: 8 (token) + 4 (owner) + 4 (one replica) + 4 (packed row) bytes each, 2^14 index cells of 4
        // bytes, plus headers
        assertThat(large.estimatedBytes()).isBetween(2560L * 20 + 16384 * 4, 2560L * 20 + 16384 * 4 + 1024);
        assertThat(large.estimatedBytes()).isGreaterThan(small.estimatedBytes());
    }

    @Test
    void shareStatsOfAnEvenSplitArePerfect() {
        ShareStats even = ShareStats.of(new double[] {0.25, 0.25, 0.25, 0.25});
        assertThat(even.peakToMean()).isCloseTo(1, within(1e-12));
        assertThat(even.minToMean()).isCloseTo(1, within(1e-12));
        assertThat(even.relStdDev()).isCloseTo(0, within(1e-12));
        ShareStats skewed = ShareStats.of(new double[] {0.5, 0.25, 0.25, 0.0});
        assertThat(skewed.peakToMean()).isCloseTo(2, within(1e-12));
        assertThat(skewed.minToMean()).isZero();
    }
}
