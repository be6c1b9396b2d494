package io.ringroute.shard.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.ringroute.shard.reshard.ReshardListener;
import io.ringroute.shard.reshard.ReshardProgress;
import io.ringroute.shard.reshard.ReshardResult;
import java.time.Duration;
import java.util.function.ToDoubleFunction;

/**
 * Resharding progress and fence pauses as Micrometer meters. Give it to a {@code Resharder} as its listener (or
 * call {@link #onProgress} from yours) and pass each run's result to {@link #record}.
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><td>{@code ringroute.reshard.active}</td><td>gauge, 1 while a run moves data</td></tr>
 * <tr><td>{@code ringroute.reshard.rows.done}, {@code .rows.total}</td><td>gauges, rows of the current run</td></tr>
 * <tr><td>{@code ringroute.reshard.ranges.done}, {@code .ranges.total}</td><td>gauges, ranges of the run</td></tr>
 * <tr><td>{@code ringroute.reshard.fence.pause}</td><td>timer: how long each cutover held the old owner's
 * writes</td></tr>
 * </table>
 */
public final class ReshardMeters implements ReshardListener, MeterBinder {

    private static final ReshardProgress IDLE = new ReshardProgress(ReshardProgress.Phase.DONE, 0, 0, 0, 0, 0,
            Duration.ZERO);

    private volatile ReshardProgress last = IDLE;
    private volatile Timer fencePauses;

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "ringroute.reshard.active", "1 while a resharding run moves data, else 0",
                p -> p.phase() == ReshardProgress.Phase.DONE ? 0 : 1, null);
        gauge(registry, "ringroute.reshard.rows.done", "rows copied by the current or last run",
                ReshardProgress::rowsDone, "rows");
        gauge(registry, "ringroute.reshard.rows.total", "rows estimated to move in the current or last run",
                p -> Math.max(p.rowsTotal(), p.rowsDone()), "rows");
        gauge(registry, "ringroute.reshard.ranges.done", "ranges handed over in the current or last run",
                ReshardProgress::rangesDone, "ranges");
        gauge(registry, "ringroute.reshard.ranges.total", "ranges to hand over in the current or last run",
                ReshardProgress::rangesTotal, "ranges");
        fencePauses = Timer.builder("ringroute.reshard.fence.pause")
                .description("how long a cutover held the old owner's writes").register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description,
                       ToDoubleFunction<ReshardProgress> f, String unit) {
        Gauge.builder(name, this, m -> f.applyAsDouble(m.last)).description(description).baseUnit(unit)
                .strongReference(true).register(registry);
    }

    @Override
    public void onProgress(ReshardProgress progress) {
        last = progress;
    }

    /** Records a finished run's fence pauses (bind first). */
    public void record(ReshardResult result) {
        Timer timer = fencePauses;
        if (timer == null) {
            throw new IllegalStateException("bind the meters to a registry before recording results");
        }
        result.fencePauses().forEach(timer::record);
    }
}
