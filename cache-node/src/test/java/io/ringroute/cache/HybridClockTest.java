package io.ringroute.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The versions this process gives writes that bring none of their own. */
class HybridClockTest {

    @Test
    void theClockNeverRepeatsOrGoesBack() {
        long[] now = {1000};
        HybridClock clock = new HybridClock(() -> now[0]);
        long a = clock.next();
        now[0] = 900; // the wall clock stepped back
        long b = clock.next();
        now[0] = 2000;
        long c = clock.next();
        assertThat(a).isEqualTo(1000L << HybridClock.COUNTER_BITS);
        assertThat(b).isEqualTo(a + 1);
        assertThat(c).isEqualTo(2000L << HybridClock.COUNTER_BITS);
        clock.observe(5000L << HybridClock.COUNTER_BITS); // read from a process whose clock runs ahead
        assertThat(clock.next()).isEqualTo((5000L << HybridClock.COUNTER_BITS) + 1);
    }

    /** One far-future entry (a wrong clock, a caller's Long.MAX_VALUE) must not wrap this process's versions negative. */
    @Test
    void aVersionFarAheadOfThisHostsClockIsNotFollowed() {
        long[] now = {1000};
        HybridClock clock = new HybridClock(() -> now[0]);
        clock.observe(Long.MAX_VALUE);
        clock.observe(((1000L + HybridClock.MAX_AHEAD_MILLIS) << HybridClock.COUNTER_BITS) + 1);
        assertThat(clock.next()).isEqualTo(1000L << HybridClock.COUNTER_BITS);
        assertThat(clock.next()).isEqualTo((1000L << HybridClock.COUNTER_BITS) + 1);

        long edge = (1000L + HybridClock.MAX_AHEAD_MILLIS) << HybridClock.COUNTER_BITS; // as far ahead as is followed
        clock.observe(edge);
        assertThat(clock.next()).isEqualTo(edge + 1);
    }
}
