package io.ringroute.shard.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ringroute.shard.reshard.ReshardProgress;
import io.ringroute.shard.reshard.ReshardResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReshardMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ReshardMeters meters = new ReshardMeters();

    @Test
    void progressShowsWhileARunMovesAndNeverMoreRowsDoneThanTotal() {
        meters.bindTo(registry);
        assertThat(gauge("ringroute.reshard.active")).isZero();

        meters.onProgress(new ReshardProgress(ReshardProgress.Phase.MOVING, 1, 4, 544, 495, 100, Duration.ZERO));

        assertThat(gauge("ringroute.reshard.active")).isEqualTo(1);
        assertThat(gauge("ringroute.reshard.rows.done")).isEqualTo(544);
        assertThat(gauge("ringroute.reshard.rows.total")).as("writers added rows during the copy").isEqualTo(544);
        assertThat(gauge("ringroute.reshard.ranges.done")).isEqualTo(1);
        assertThat(gauge("ringroute.reshard.ranges.total")).isEqualTo(4);
    }

    @Test
    void eachCutoversFencePauseIsTimed() {
        meters.bindTo(registry);
        meters.record(new ReshardResult(7, 3, 10, 1, 10, Duration.ofSeconds(2),
                List.of(Duration.ofMillis(12), Duration.ofMillis(30))));

        assertThat(registry.get("ringroute.reshard.fence.pause").timer().count()).isEqualTo(2);
        assertThat(registry.get("ringroute.reshard.fence.pause").timer().max(TimeUnit.MILLISECONDS)).isEqualTo(30);
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }
}
