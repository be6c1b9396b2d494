package io.ringroute.bench.shard;

import io.ringroute.shard.reshard.ReshardListener;
import io.ringroute.shard.reshard.ReshardProgress;
import io.ringroute.shard.reshard.ReshardResult;
import java.time.Duration;
import org.HdrHistogram.Histogram;

/**
 * The figures the resharding benchmarks quote for one run: rows per second up to the last hand-over (the copying,
 * without the cleanup grace the run waits out at its end) and to the end, and the cutover pauses (how long each
 * cutover held the old owner's write gate). Create it right before {@code Resharder.run} and pass it on to the
 * resharder's listener.
 */
public final class ReshardTiming implements ReshardListener {

    private final long start = System.nanoTime();
    private volatile long movedAt;

    @Override
    public void onProgress(ReshardProgress progress) {
        if (progress.phase() == ReshardProgress.Phase.CLEANING_UP && movedAt == 0) {
            movedAt = System.nanoTime();
        }
    }

    /** The figures of {@code result}, the run this timing heard; call it right after the run returned. */
    public Figures of(ReshardResult result) {
        long end = System.nanoTime();
        Histogram pauses = new Histogram(3);
        result.fencePauses().forEach(d -> pauses.recordValue(Math.max(1, d.toNanos())));
        return new Figures(result, (movedAt == 0 ? end - start : movedAt - start) / 1e9, (end - start) / 1e9,
                millis(pauses, 50), millis(pauses, 99), pauses.getTotalCount() == 0 ? 0 : pauses.getMaxValue() / 1e6);
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e6;
    }

    /**
     * One run's figures.
     *
     * @param movingSeconds from the start to the last hand-over
     * @param totalSeconds  from the start to the run's return (the final cleanup grace included)
     */
    public record Figures(ReshardResult result, double movingSeconds, double totalSeconds, double pauseP50Millis,
                          double pauseP99Millis, double pauseMaxMillis) {

        /** Rows copied and re-copied. */
        public long rowsMoved() {
            return result.rowsCopied() + result.rowsCaughtUp();
        }

        /** Rows moved per second up to the last hand-over. */
        public double rowsPerSecond() {
            return rowsMoved() / movingSeconds;
        }

        /**
         * One line: rows, ranges and cutovers, both rates, the pauses; {@code grace} is the run's cleanup grace.
         */
        public String describe(Duration grace) {
            return String.format("%,d rows copied + %,d re-copied, %,d deleted, %d ranges in %d cutovers; last"
                            + " hand-over after %.2f s (%,.0f rows/s), done after %.2f s (%,.0f rows/s, with the %d s"
                            + " cleanup grace); pause p50 %.2f ms p99 %.2f ms max %.2f ms", result.rowsCopied(),
                    result.rowsCaughtUp(), result.rowsDeleted(), result.ranges(), result.fencePauses().size(),
                    movingSeconds, rowsPerSecond(), totalSeconds, rowsMoved() / totalSeconds, grace.toSeconds(),
                    pauseP50Millis, pauseP99Millis, pauseMaxMillis);
        }
    }
}
