package io.ringroute.bench.peers.sharding;

import io.ringroute.bench.harness.Table;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Prints the comparison: one line per system for the session workload, then the summary tables (text, Markdown). */
final class ComparisonReport {

    private final Map<String, SessionWorkload.Stats> stats;
    private final SessionWorkload.Stats bare;

    /** @param stats per system, the bare HikariCP baseline first */
    ComparisonReport(Map<String, SessionWorkload.Stats> stats) {
        this.stats = stats;
        this.bare = stats.values().iterator().next();
    }

    void printSequential(List<Histogram> perSystem, int reads) {
        System.out.printf("one thread, no think time: %d primary-key reads per system, interleaved%n", reads);
        Histogram base = perSystem.get(0);
        int i = 0;
        for (String name : stats.keySet()) {
            Histogram h = perSystem.get(i++);
            System.out.printf("%-32s p50 %6.3f ms  p99 %7.3f ms  mean %6.3f ms | vs bare p50 %5.2f  p99 %5.2f%n",
                    name, ms(h, 50), ms(h, 99), h.getMean() / 1e6, (double) h.getValueAtPercentile(50)
                            / base.getValueAtPercentile(50), (double) h.getValueAtPercentile(99)
                            / base.getValueAtPercentile(99));
        }
        System.out.println();
    }

    void printWorkload(int sessions, int rounds, int concurrency, long delayMillis, double thinkMillis) {
        System.out.printf("session workload: %d sessions x %d requests per system in %d rounds, %d concurrent, 10%%"
                        + " writes, 70%% of reads of the session's own rows, standbys %d ms behind, think %.0f ms"
                        + " (mean)%n", sessions, SessionWorkload.REQUESTS_PER_SESSION, rounds, concurrency,
                delayMillis, thinkMillis);
        stats.forEach((name, s) -> System.out.printf("%-32s reads %6d p50 %6.3f ms p99 %7.3f ms | writes %5d p50"
                        + " %6.3f ms p99 %7.3f ms | by standbys %5.1f%% | stale own-write reads %5d of %5d (%.2f%%)"
                        + " | errors %d%n", name, s.reads.getTotalCount(), ms(s.reads, 50), ms(s.reads, 99),
                s.writes.getTotalCount(), ms(s.writes, 50), ms(s.writes, 99), 100 * s.replicaShare(),
                s.staleOwnReads.sum(), s.ownReads.sum(), 100.0 * s.staleOwnReads.sum() / Math.max(1,
                        s.ownReads.sum()), s.errors.sum()));
    }

    void printSummary(ThirdShard third) {
        int n = third.rows();
        System.out.printf("%nadding a third shard, %d rows on 2 shards: HASH_MOD 2 -> 3 moves %d of them (%.1f%%),"
                        + " the ring %d (%.1f%%); resharder's plan %d rows%n", n, third.hashModMovesOfPreloaded,
                pct(third.hashModMovesOfPreloaded, n), third.ringMovesOfPreloaded,
                pct(third.ringMovesOfPreloaded, n), third.rrPlan.rowsToMove());
        HashModResharding.Moved m = third.ssMoved;
        System.out.printf("ShardingSphere-JDBC (offline): scanned %d rows, moved %d (%.1f%%) in %.2f s (%.0f rows/s);"
                        + " writes stopped for %.2f s (closing the 2-shard data source %.2f s, copy + delete, opening"
                        + " the 3-shard one %.2f s); rows misplaced after: %d; write errors %d%n", m.rowsScanned(),
                m.rowsMoved(), pct(m.rowsMoved(), m.rowsScanned()), m.nanos() / 1e9,
                m.rowsMoved() / (m.nanos() / 1e9), third.ssWritesStoppedNanos / 1e9, third.ssCloseNanos / 1e9,
                third.ssOpenNanos / 1e9, third.ssMisplacedAfter, third.ssWriteErrors);
        printWriters("ShardingSphere-JDBC writers, 2 shards", third.ssWritesBefore);
        printWriters("ShardingSphere-JDBC writers, 3 shards", third.ssWritesAfter);
        long rrMoved = third.rrResult.rowsCopied() + third.rrResult.rowsCaughtUp();
        Histogram pauses = pauses(third);
        System.out.printf("ringroute (online): %d ranges in %d cutovers, %d rows copied + %d re-copied, %d deleted;"
                        + " last hand-over after %.1f s (%.0f rows/s), done after %.1f s with the %d s cleanup grace;"
                        + " cutover pause p50 %.2f ms p99 %.2f ms max %.2f ms; write errors %d%n",
                third.rrResult.ranges(), third.rrResult.fencePauses().size(), third.rrResult.rowsCopied(),
                third.rrResult.rowsCaughtUp(), third.rrResult.rowsDeleted(), third.rrMovingSeconds,
                rrMoved / third.rrMovingSeconds, third.rrWallSeconds, ThirdShard.CLEANUP_GRACE.toSeconds(),
                pauses.getValueAtPercentile(50) / 1e6, pauses.getValueAtPercentile(99) / 1e6,
                pauses.getMaxValue() / 1e6, third.rrWriteErrors);
        printWriters("ringroute writers, no resharding", third.rrWritesBefore);
        printWriters("ringroute writers, during resharding", third.rrWritesDuring);

        String[] headers = {"system", "read p50 ms", "read p99 ms", "write p50 ms", "write p99 ms",
                "read p50 / p99 vs bare", "write p50 / p99 vs bare", "reads by standbys", "stale own-write reads",
                "2 -> 3 shards: rows moved", "online", "writes stopped / paused"};
        Table t = new Table(headers);
        List<String> names = List.copyOf(stats.keySet());
        for (String name : names) {
            SessionWorkload.Stats s = stats.get(name);
            String moved;
            String online;
            String stop;
            if (s == bare) {
                moved = "-";
                online = "-";
                stop = "-";
            } else if (name.startsWith("ringroute")) {
                moved = String.format("%d of %d (%.1f%%)", third.rrPlan.rowsToMove(), n,
                        pct(third.rrPlan.rowsToMove(), n));
                online = "yes (Resharder)";
                stop = String.format("cutover p50 %.1f ms, max %.1f ms", pauses.getValueAtPercentile(50) / 1e6,
                        pauses.getMaxValue() / 1e6);
            } else {
                moved = String.format("%d of %d (%.1f%%)", m.rowsMoved(), m.rowsScanned(),
                        pct(m.rowsMoved(), m.rowsScanned()));
                online = "no (JDBC mode)";
                stop = String.format("all writes for %.1f s (copy %.1f s)", third.ssWritesStoppedNanos / 1e9,
                        m.nanos() / 1e9);
            }
            t.row(name, f(ms(s.reads, 50)), f(ms(s.reads, 99)), f(ms(s.writes, 50)), f(ms(s.writes, 99)),
                    ratio(s.reads, bare.reads), ratio(s.writes, bare.writes),
                    String.format("%.1f%%", 100 * s.replicaShare()),
                    String.format("%d of %d (%.1f%%)", s.staleOwnReads.sum(), s.ownReads.sum(),
                            pct(s.staleOwnReads.sum(), s.ownReads.sum())), moved, online, stop);
        }
        System.out.println();
        System.out.print(t.toText());
        System.out.println();
        System.out.println("| " + String.join(" | ", headers) + " |");
        System.out.println("|" + "---|".repeat(headers.length));
        t.rows().forEach(r -> System.out.println("| " + String.join(" | ", r) + " |"));
    }

    private static Histogram pauses(ThirdShard third) {
        Histogram h = new Histogram(3);
        third.rrResult.fencePauses().forEach(d -> h.recordValue(Math.max(1, d.toNanos())));
        return h;
    }

    private static void printWriters(String label, Histogram h) {
        System.out.printf("  %-40s %7d writes  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms%n", label,
                h.getTotalCount(), ms(h, 50), ms(h, 99), h.getMaxValue() / 1e6);
    }

    private static String ratio(Histogram h, Histogram base) {
        return String.format("%.2f / %.2f", (double) h.getValueAtPercentile(50) / base.getValueAtPercentile(50),
                (double) h.getValueAtPercentile(99) / base.getValueAtPercentile(99));
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e6;
    }

    private static String f(double v) {
        return String.format("%.3f", v);
    }

    private static double pct(long part, long whole) {
        return 100.0 * part / Math.max(1, whole);
    }
}
