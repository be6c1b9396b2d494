package io.ringroute.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringroute.ring.TokenRange.Interval;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TokenRangeTest {

    @Test
    void aRangeUnwrapsIntoClosedIntervalsInWalkingOrder() {
        assertThat(new TokenRange(10, 20).intervals()).containsExactly(new Interval(11, 20));
        assertThat(new TokenRange(Long.MAX_VALUE - 5, Long.MIN_VALUE + 5).intervals()).containsExactly(
                new Interval(Long.MAX_VALUE - 4, Long.MAX_VALUE), new Interval(Long.MIN_VALUE, Long.MIN_VALUE + 5));
        assertThat(new TokenRange(Long.MAX_VALUE, 7).intervals()).containsExactly(new Interval(Long.MIN_VALUE, 7));
        assertThat(new TokenRange(3, 3).intervals()).containsExactly(new Interval(Long.MIN_VALUE, Long.MAX_VALUE));
        assertThatThrownBy(() -> new Interval(2, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2, 1]");
    }

    @Test
    void theIntervalsHoldExactlyTheTokensTheRangeContains() {
        SplittableRandom random = new SplittableRandom(3);
        for (int k = 0; k < 2_000; k++) {
            TokenRange range = new TokenRange(random.nextLong(), random.nextLong());
            for (long token : new long[]{random.nextLong(), range.start(), range.start() + 1, range.end(),
                    range.end() + 1, Long.MIN_VALUE, Long.MAX_VALUE}) {
                boolean inIntervals = range.intervals().stream().anyMatch(i -> token >= i.lo() && token <= i.hi());
                assertThat(inIntervals).as("%s holds %d", range, token).isEqualTo(range.contains(token));
            }
        }
    }
}
