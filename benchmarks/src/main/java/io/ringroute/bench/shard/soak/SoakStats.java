package io.ringroute.bench.shard.soak;

import java.io.PrintStream;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What the soak saw while one kind of fault was active (or none): reads, stale own-write reads, reads a replica
 * served, errors that reached the caller by type, latencies, and the longest gap between two successful writes.
 * Thread-safe; recording allocates nothing but the first error of a type.
 */
final class SoakStats {

    private static final long MAX_NANOS = TimeUnit.MINUTES.toNanos(5);

    final String phase;
    final LongAdder reads = new LongAdder();
    final LongAdder stale = new LongAdder();
    final LongAdder replicaReads = new LongAdder();
    final LongAdder writes = new LongAdder();
    final LongAdder faults = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Histogram readNanos = new ConcurrentHistogram(MAX_NANOS, 2);
    private final Histogram writeNanos = new ConcurrentHistogram(MAX_NANOS, 2);
    private final AtomicLong longestWritePauseNanos = new AtomicLong();

    SoakStats(String phase) {
        this.phase = phase;
    }

    void read(long nanos, boolean onReplica, boolean wasStale) {
        reads.increment();
        if (onReplica) {
            replicaReads.increment();
        }
        if (wasStale) {
            stale.increment();
        }
        readNanos.recordValue(Math.min(nanos, MAX_NANOS));
    }

    void write(long nanos) {
        writes.increment();
        writeNanos.recordValue(Math.min(nanos, MAX_NANOS));
    }

    void writePause(long nanos) {
        longestWritePauseNanos.accumulateAndGet(nanos, Math::max);
    }

    /** An error that reached the caller: its type and, for SQL errors, its SQLState. */
    void error(String op, Throwable e) {
        String state = e instanceof SQLException s && s.getSQLState() != null ? " " + s.getSQLState() : "";
        errors.computeIfAbsent(op + " " + e.getClass().getSimpleName() + state, k -> new LongAdder()).increment();
    }

    static void printHeader(PrintStream out) {
        out.printf("%-16s %6s %8s %6s %8s %7s %22s %22s %10s  %s%n", "phase", "faults", "reads", "stale", "offload",
                "writes", "read p50/p99/max ms", "write p50/p99/max ms", "max pause", "errors reaching the caller");
    }

    void print(PrintStream out) {
        long r = reads.sum();
        out.printf("%-16s %6d %8d %6d %7.1f%% %7d %22s %22s %8.0fms  %s%n", phase, faults.sum(), r, stale.sum(),
                r == 0 ? 0.0 : 100.0 * replicaReads.sum() / r, writes.sum(), percentiles(readNanos),
                percentiles(writeNanos), longestWritePauseNanos.get() / 1e6, errorSummary());
    }

    private String errorSummary() {
        Map<String, Long> sorted = new TreeMap<>();
        errors.forEach((k, v) -> sorted.put(k, v.sum()));
        return sorted.isEmpty() ? "none" : sorted.toString();
    }

    private static String percentiles(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "-";
        }
        return String.format("%.1f/%.1f/%.0f", h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getMaxValue() / 1e6);
    }
}
