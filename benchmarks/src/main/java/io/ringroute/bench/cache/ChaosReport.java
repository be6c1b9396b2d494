package io.ringroute.bench.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the chaos clients' logs and counts what the run promised: reads (cache hits, and misses loaded from the
 * database) older than the newest write acknowledged more than {@code boundMillis} before the read started (any
 * process's writes), reads older than the process's own last acknowledged write (bound 0), the largest staleness
 * seen, failed calls, p99/max latency and the hit rate.
 */
final class ChaosReport {

    private record Write(long version, long ackMillis, String client, boolean put) {
    }

    private record Read(String key, long version, long atMillis, String client, boolean hit) {
    }

    /** Ejections seen by clients: node id -> times (ms). */
    final Map<String, List<Long>> ejections = new HashMap<>();
    long reads;
    long hits;
    long staleBeyondBound;
    long staleOwn;
    long largestStalenessMillis;
    long calls;
    long failures;
    long p99Micros;
    long maxMicros;
    private final Map<String, List<Write>> writes = new HashMap<>();
    private final List<Read> allReads = new ArrayList<>();

    ChaosReport(List<Path> logs, long boundMillis) {
        for (Path log : logs) {
            String client = log.getFileName().toString();
            try {
                for (String line : Files.readAllLines(log)) {
                    parse(line, client);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        writes.values().forEach(w -> w.sort((a, b) -> Long.compare(a.ackMillis(), b.ackMillis())));
        for (Read r : allReads) {
            judge(r, boundMillis);
        }
    }

    private void parse(String line, String client) {
        String[] f = line.split(" ");
        switch (f[0]) {
            case "W", "D" -> writes.computeIfAbsent(f[1], k -> new ArrayList<>())
                    .add(new Write(Long.parseLong(f[2]), Long.parseLong(f[3]), client, f[0].equals("W")));
            case "R" -> {
                if (f.length == 5) {
                    allReads.add(new Read(f[1], Long.parseLong(f[2]), Long.parseLong(f[3]), client, f[4].equals("H")));
                }
            }
            case "E" -> {
                if (f[2].equals("EJECTED")) {
                    ejections.computeIfAbsent(f[1], k -> new ArrayList<>()).add(Long.parseLong(f[3]));
                }
            }
            case "S" -> {
                calls += Long.parseLong(f[1]);
                failures += Long.parseLong(f[2]);
                p99Micros = Math.max(p99Micros, Long.parseLong(f[3]));
                maxMicros = Math.max(maxMicros, Long.parseLong(f[4]));
            }
            default -> {
                // a line cut short by a kill -9
            }
        }
    }

    private void judge(Read r, long boundMillis) {
        reads++;
        if (r.hit()) {
            hits++;
        }
        long newestAcked = Long.MIN_VALUE;
        long newestOwn = Long.MIN_VALUE;
        long firstNewerAck = Long.MAX_VALUE;
        for (Write w : writes.getOrDefault(r.key(), List.of())) {
            if (w.ackMillis() > r.atMillis()) {
                break;
            }
            if (w.ackMillis() <= r.atMillis() - boundMillis) {
                newestAcked = Math.max(newestAcked, w.version());
            }
            if (w.client().equals(r.client())) {
                newestOwn = Math.max(newestOwn, w.version());
            }
            if (w.version() > r.version()) {
                firstNewerAck = Math.min(firstNewerAck, w.ackMillis());
            }
        }
        if (newestAcked > r.version()) {
            staleBeyondBound++;
        }
        if (newestOwn > r.version()) {
            staleOwn++;
        }
        if (firstNewerAck != Long.MAX_VALUE) {
            largestStalenessMillis = Math.max(largestStalenessMillis, r.atMillis() - firstNewerAck);
        }
    }

    /** The version of each key's newest acknowledged write (a put or a delete). */
    Map<String, Long> newestWrites() {
        Map<String, Long> out = new HashMap<>();
        writes.forEach((k, list) -> out.put(k, list.stream().mapToLong(Write::version).max().orElseThrow()));
        return out;
    }
}
