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
}
