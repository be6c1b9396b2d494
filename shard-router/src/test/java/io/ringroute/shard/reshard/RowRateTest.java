package io.ringroute.shard.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowRateTest {

    /** Time passes only when the rate sleeps or the test says so. */
    static final class FakeClock implements RowRate.Clock {
        long now = 1_000;
        final List<Long> sleeps = new ArrayList<>();

        @Override
        public long nanos() {
            return now;
        }

        @Override
        public void sleep(long nanos) {
            sleeps.add(nanos);
            now += nanos;
        }
    }

    @Test
    void instantWorkIsSleptUntilItsRowsArePaidForAtTheLimit() throws Exception {
        FakeClock clock = new FakeClock();
        RowRate rate = new RowRate(1_000, clock);
        for (int i = 0; i < 5; i++) {
            rate.pace(100);
        }
        assertThat(clock.sleeps).containsExactly(100_000_000L, 100_000_000L, 100_000_000L, 100_000_000L,
                100_000_000L);
    }

    @Test
    void workSlowerThanTheLimitIsNotSlowedFurther() throws Exception {
        FakeClock clock = new FakeClock();
        RowRate rate = new RowRate(1_000, clock);
        for (int i = 0; i < 3; i++) {
            clock.now += 150_000_000L;       // 100 rows took 150 ms: below 1000 rows/s
            rate.pace(100);
        }
        assertThat(clock.sleeps).isEmpty();
    }

    @Test
    void timeSpentIdleIsNotSavedUpBeyondOnePieceOfWork() throws Exception {
        FakeClock clock = new FakeClock();
        RowRate rate = new RowRate(1_000, clock);
        clock.now += 10_000_000_000L;        // 10 s in a cutover: worth 10,000 rows at the limit
        for (int i = 0; i < 4; i++) {
            rate.pace(100);
        }
        assertThat(clock.sleeps).as("the first piece after the pause is taken as having taken its time")
                .containsExactly(100_000_000L, 100_000_000L, 100_000_000L);
    }

    @Test
    void aLimitCutsTheCopyIntoSegmentsOfATenthOfASecond() {
        FakeClock clock = new FakeClock();
        assertThat(new RowRate(0, clock).segmentRows(100_000)).isEqualTo(100_000);
        assertThat(new RowRate(20_000, clock).segmentRows(100_000)).isEqualTo(2_000);
        assertThat(new RowRate(20_000, clock).segmentRows(500)).isEqualTo(500);
        assertThat(new RowRate(5, clock).segmentRows(100_000)).isEqualTo(1);
    }

    @Test
    void noLimitNeverSleeps() throws Exception {
        FakeClock clock = new FakeClock();
        RowRate rate = new RowRate(0, clock);
        rate.pace(1_000_000);
        assertThat(clock.sleeps).isEmpty();
    }
}
