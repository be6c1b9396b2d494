package io.ringroute.cache.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringroute.ring.TokenRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenRangePredicateTest {

    @Test
    void plainRangeExcludesItsStartAndIncludesItsEnd() {
        TokenRangePredicate p = TokenRangePredicate.of(List.of(new TokenRange(10, 20)));
        assertThat(p.containsToken(10)).isFalse();
        assertThat(p.containsToken(11)).isTrue();
        assertThat(p.containsToken(20)).isTrue();
        assertThat(p.containsToken(21)).isFalse();
    }

    @Test
    void wrappingRangeCoversBothEndsOfTheCircle() {
        TokenRangePredicate p = TokenRangePredicate.of(List.of(new TokenRange(100, -100)));
        assertThat(p.containsToken(Long.MAX_VALUE)).isTrue();
        assertThat(p.containsToken(Long.MIN_VALUE)).isTrue();
        assertThat(p.containsToken(-100)).isTrue();
        assertThat(p.containsToken(0)).isFalse();
        assertThat(p.containsToken(100)).isFalse();
    }

    @Test
    void fullCircleContainsEveryToken() {
        TokenRangePredicate p = TokenRangePredicate.of(List.of(new TokenRange(5, 5)));
        assertThat(p.containsToken(5)).isTrue();
        assertThat(p.containsToken(Long.MIN_VALUE)).isTrue();
    }

    @Test
    void manyRangesAgreeWithTokenRangeContains() {
        List<TokenRange> ranges = List.of(new TokenRange(-500, -400), new TokenRange(0, 7), new TokenRange(90, 300),
                new TokenRange(Long.MAX_VALUE - 3, Long.MIN_VALUE + 3));
        TokenRangePredicate p = TokenRangePredicate.of(ranges);
        long[] probes = {-501, -500, -450, -400, -399, 0, 1, 7, 8, 89, 90, 91, 300, 301, Long.MAX_VALUE - 3,
            Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 3, Long.MIN_VALUE + 4};
        for (long t : probes) {
            boolean expected = ranges.stream().anyMatch(r -> r.contains(t));
            assertThat(p.containsToken(t)).as("token %d", t).isEqualTo(expected);
        }
    }
}
