package io.ringroute.cache;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** One node client's counts and latencies, read as {@link NodeStats}. */
final class NodeCounters {

    static final long MAX_LATENCY_MICROS = 60_000_000L;
    static final int LATENCY_DIGITS = 2;

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder[] errors = new LongAdder[NodeErrorKind.values().length];
    private final LongAdder ejections = new LongAdder();
    private final LongAdder movedIn = new LongAdder();
    private final LongAdder repaired = new LongAdder();
    private final Histogram readLatency = new ConcurrentHistogram(MAX_LATENCY_MICROS, LATENCY_DIGITS);
    private final Histogram writeLatency = new ConcurrentHistogram(MAX_LATENCY_MICROS, LATENCY_DIGITS);

    NodeCounters() {
        Arrays.setAll(errors, k -> new LongAdder());
    }

    /** Reads of {@code asked} keys of which {@code live} found a value. */
    void reads(long live, long asked) {
        hits.add(live);
        misses.add(asked - live);
    }

    void error(NodeErrorKind kind) {
        errors[kind.ordinal()].increment();
    }

    void ejection() {
        ejections.increment();
    }

    void movedIn(int entries) {
        movedIn.add(entries);
    }

    void repaired() {
        repaired.increment();
    }

    /** Records a call's latency, capped at {@link #MAX_LATENCY_MICROS}; returns the recorded value. */
    long latency(boolean write, long micros) {
        long capped = Math.min(micros, MAX_LATENCY_MICROS);
        (write ? writeLatency : readLatency).recordValue(capped);
        return capped;
    }

    /** Calls recorded, reads and writes (the histograms' total counts: volatile reads, no summing). */
    long calls() {
        return readLatency.getTotalCount() + writeLatency.getTotalCount();
    }

    NodeStats stats(String id, NodeState state, String clientInstance) {
        Map<NodeErrorKind, Long> errorsByKind = new EnumMap<>(NodeErrorKind.class);
        for (NodeErrorKind k : NodeErrorKind.values()) {
            errorsByKind.put(k, errors[k.ordinal()].sum());
        }
        return new NodeStats(id, state, hits.sum(), misses.sum(), errorsByKind, ejections.sum(), movedIn.sum(),
                repaired.sum(), readLatency.copy(), writeLatency.copy(), clientInstance);
    }
}
