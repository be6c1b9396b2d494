package io.ringroute.bench.peers;

import io.ringroute.bench.cache.HitRateTimeline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A native Hazelcast cluster (4 members, 271 partitions, one synchronous backup, the smart client) against
 * ringroute's {@code CacheCluster} over 4 one-member nodes with R = 2, in one run on the same keys, values, client
 * threads and key popularity (uniform and Zipf): get/put latency and throughput, hit rate and failed calls while a
 * fifth member or node joins under load and while one is killed with kill -9, what the join moved, and memory per
 * entry. Every member and node is a child JVM on loopback; progress on stderr, the tables on stdout.
 */
@Command(name = "hazelcast-peers", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Native Hazelcast cluster vs ringroute's cache cluster: latency, join, kill -9, memory.")
public final class HazelcastPeerComparison implements Callable<Integer> {

    @Option(names = "--keys", defaultValue = "100000", description = "Distinct keys (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--value-bytes", defaultValue = "100", description = "Value size (default: ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = "--threads", defaultValue = "4", description = "Client threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--calls", defaultValue = "5000",
            description = "Calls per thread, op, popularity and round (default: ${DEFAULT-VALUE}).")
    int calls;

    @Option(names = "--rounds", defaultValue = "3", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup-rounds", defaultValue = "1",
            description = "Unrecorded rounds first (default: ${DEFAULT-VALUE}).")
    int warmupRounds;

    @Option(names = "--zipf", defaultValue = "1.0", description = "Zipf exponent (default: ${DEFAULT-VALUE}).")
    double zipf;

    @Option(names = "--before-seconds", defaultValue = "5",
            description = "Load before a join or kill (default: ${DEFAULT-VALUE}).")
    int beforeSeconds;

    @Option(names = "--after-seconds", defaultValue = "20",
            description = "Load after a join or kill, at least until it settled plus 3 s (default: ${DEFAULT-VALUE}).")
    int afterSeconds;

    @Option(names = "--bucket-ms", defaultValue = "1000",
            description = "Hit-rate time bucket (default: ${DEFAULT-VALUE}).")
    int bucketMillis;

    @Option(names = "--heap", defaultValue = "384m",
            description = "Heap of each member and node JVM (default: ${DEFAULT-VALUE}).")
    String heap;

    @Option(names = "--call-timeout-seconds", defaultValue = "5",
            description = "Both clients' call timeout and heartbeat timeout: ringroute's callTimeout (its default is"
                    + " 2 s), Hazelcast's invocation and heartbeat timeouts (default: ${DEFAULT-VALUE}).")
    int callTimeoutSeconds;

    @Option(names = "--seed", defaultValue = "42", description = "Key draw seed (default: ${DEFAULT-VALUE}).")
    long seed;

    /** The longest a churn phase's load runs past its planned end while the change settles. */
    private static final int MAX_EXTRA_SECONDS = 240;

    /** Latency and throughput of one peer, op and popularity, summed over the measured rounds. */
    private static final class Tally {
        final Histogram latency = new Histogram(3);
        long calls;
        long misses;
        long failures;
        double seconds;

        void add(HazelcastLoad.Result r) {
            latency.add(r.latency());
            calls += r.calls();
            misses += r.misses();
            failures += r.failures();
            seconds += r.seconds();
        }
    }

    /** One join or kill under load. */
    private record Churn(HazelcastPeer.Change change, HazelcastLoad.Result load, double hitRateAfter,
                         double lowestBucket, long absorbed, HazelcastMemoryProbe.Sample after) {
    }

    /** Everything measured on one peer. */
    private static final class Report {
        final Map<String, Tally> latency = new LinkedHashMap<>();
        HazelcastMemoryProbe.Sample empty;
        HazelcastMemoryProbe.Sample loaded;
        Churn join;
        Churn kill;
    }

    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.log.com.hazelcast") == null) {
            // Hazelcast's clients log every reconnect attempt at WARN; the run reports failures itself.
            System.setProperty("org.slf4j.simpleLogger.log.com.hazelcast", "error");
        }
        System.exit(new CommandLine(new HazelcastPeerComparison()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        String bad = atLeast("--keys", keys, 1) + atLeast("--value-bytes", valueBytes, 0)
                + atLeast("--threads", threads, 1) + atLeast("--calls", calls, 1) + atLeast("--rounds", rounds, 1)
                + atLeast("--warmup-rounds", warmupRounds, 0) + atLeast("--before-seconds", beforeSeconds, 1)
                + atLeast("--after-seconds", afterSeconds, 1) + atLeast("--bucket-ms", bucketMillis, 100)
                + atLeast("--call-timeout-seconds", callTimeoutSeconds, 1)
                + (zipf > 0 && !Double.isInfinite(zipf) ? "" : "; --zipf must be positive, was " + zipf);
        if (!bad.isEmpty()) {
            System.err.println(bad.substring(2));
            return 2;
        }
        String[] keyNames = new String[keys];
        for (int i = 0; i < keys; i++) {
            keyNames[i] = "key:" + i;
        }
        byte[] value = new byte[valueBytes];
        new SplittableRandom(seed).nextBytes(value);
        List<HazelcastKeyPopularity> popularities = List.of(HazelcastKeyPopularity.uniform(keys),
                HazelcastKeyPopularity.zipf(keys, zipf));
        Map<HazelcastPeer, Report> reports = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        progress("starting 4 Hazelcast members and 5 ringroute nodes (child JVMs, heap " + heap + ")");
        try (HazelcastChildJvms jvms = new HazelcastChildJvms(heap);
             HazelcastPeer hazelcast = new HazelcastNativePeer(jvms, Duration.ofSeconds(callTimeoutSeconds));
             HazelcastPeer ringroute = new HazelcastRingroutePeer(jvms, Duration.ofSeconds(callTimeoutSeconds))) {
            for (HazelcastPeer peer : List.of(hazelcast, ringroute)) {
                peer.open();
                reports.put(peer, new Report());
                progress(peer.label() + " up after " + secondsSince(t0));
            }
            for (HazelcastPeer peer : reports.keySet()) {
                Report r = reports.get(peer);
                r.empty = peer.memory();
                peer.preload(keyNames, value);
                r.loaded = peer.memory();
                progress(peer.label() + " preloaded " + keys + " keys; " + r.loaded);
            }
            latency(reports, popularities, keyNames, value);
            for (HazelcastPeer peer : reports.keySet()) {
                Report r = reports.get(peer);
                r.join = churn(peer, "join of a fifth", () -> peer.join(keyNames), keyNames, value,
                        popularities.get(0));
                r.kill = churn(peer, "kill -9 of one", () -> peer.kill(keyNames), keyNames, value,
                        popularities.get(0));
            }
        }
        print(reports, popularities);
        progress("done after " + secondsSince(t0));
        return 0;
    }

    private void latency(Map<HazelcastPeer, Report> reports, List<HazelcastKeyPopularity> popularities,
                         String[] keyNames, byte[] value) throws InterruptedException {
        List<HazelcastPeer> order = new ArrayList<>(reports.keySet());
        long draw = seed;
        for (HazelcastKeyPopularity popularity : popularities) {
            for (int round = 0; round < warmupRounds + rounds; round++) {
                boolean record = round >= warmupRounds;
                for (HazelcastPeer peer : order) {
                    HazelcastLoad load = new HazelcastLoad(peer, keyNames, value, threads);
                    for (HazelcastLoad.Op op : List.of(HazelcastLoad.Op.GET, HazelcastLoad.Op.PUT)) {
                        HazelcastLoad.Result r = load.fixed(op, calls, popularity, draw++);
                        if (record) {
                            reports.get(peer).latency.computeIfAbsent(key(op, popularity), k -> new Tally()).add(r);
                        }
                    }
                }
                progress(String.format("%s round %d/%d done%s", popularity.label(), round + 1,
                        warmupRounds + rounds, record ? "" : " (warm-up)"));
                Collections.rotate(order, 1);
            }
        }
    }

    private Churn churn(HazelcastPeer peer, String what, Callable<HazelcastPeer.Change> change, String[] keyNames,
                        byte[] value, HazelcastKeyPopularity popularity) throws Exception {
        progress(peer.label() + ": " + what + " under load");
        int buckets = (beforeSeconds + afterSeconds + MAX_EXTRA_SECONDS) * 1000 / bucketMillis;
        long start = System.nanoTime();
        HitRateTimeline timeline = new HitRateTimeline(start, bucketMillis, buckets);
        AtomicLong deadline = new AtomicLong(start + seconds(beforeSeconds + afterSeconds));
        AtomicReference<HazelcastLoad.Result> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        HazelcastLoad load = new HazelcastLoad(peer, keyNames, value, threads);
        Thread loader = new Thread(() -> {
            try {
                result.set(load.cacheAside(deadline, popularity, seed, timeline));
            } catch (InterruptedException e) {
                failure.set(e);
            }
        }, "churn-load");
        long absorbedBefore = peer.absorbedErrors();
        loader.start();
        Thread.sleep(seconds(beforeSeconds) / 1_000_000);
        HazelcastPeer.Change done = change.call();
        long settled = System.nanoTime();
        deadline.set(Math.max(deadline.get(), Math.min(settled + seconds(3),
                start + seconds(beforeSeconds + afterSeconds + MAX_EXTRA_SECONDS))));
        loader.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        long absorbed = absorbedBefore < 0 ? -1 : peer.absorbedErrors() - absorbedBefore;
        int eventBucket = beforeSeconds * 1000 / bucketMillis;
        int lastBucket = (int) Math.min(buckets, (System.nanoTime() - start) / seconds(1) * 1000 / bucketMillis);
        double hits = 0;
        long reads = 0;
        double lowest = 1;
        for (int b = eventBucket; b < lastBucket; b++) {
            long n = timeline.reads(b);
            if (n > 0) {
                hits += timeline.hitRate(b) * n;
                reads += n;
                lowest = Math.min(lowest, timeline.hitRate(b));
            }
        }
        progress(String.format("%s: %s took %.1f s: %s", peer.label(), what, done.seconds(), done.detail()));
        return new Churn(done, result.get(), reads == 0 ? Double.NaN : hits / reads, lowest, absorbed,
                peer.memory());
    }

    private void print(Map<HazelcastPeer, Report> reports, List<HazelcastKeyPopularity> popularities) {
        List<Report> r = new ArrayList<>(reports.values());
        Report hz = r.get(0);
        Report rr = r.get(1);
        System.out.printf("%n%,d keys, %d-byte values, %d client threads, %,d calls per thread, op, popularity and "
                + "round x %d rounds (after %d warm-up); Zipf exponent %.2f (hottest key %.1f%% of draws); churn "
                + "phases: uniform cache-aside reads, %d s before the change; member and node JVMs -Xmx%s on "
                + "loopback%n%n", keys, valueBytes, threads, calls, rounds, warmupRounds, zipf,
                100 * popularities.get(1).hottestShare(), beforeSeconds, heap);
        System.out.println("| measure | native Hazelcast: 4 members, 271 partitions, 1 sync backup, smart client "
                + "| ringroute CacheCluster: 4 one-member nodes, R = 2 |");
        System.out.println("|---|---:|---:|");
        for (HazelcastKeyPopularity p : popularities) {
            for (HazelcastLoad.Op op : List.of(HazelcastLoad.Op.GET, HazelcastLoad.Op.PUT)) {
                row(op.name().toLowerCase() + ", " + p.label() + ": p50 / p99 us, calls/s",
                        latencyCell(hz.latency.get(key(op, p))), latencyCell(rr.latency.get(key(op, p))));
            }
        }
        row("get misses / failed calls in the latency rounds", missCell(hz), missCell(rr));
        churnRows("join of a 5th", hz.join, rr.join);
        row("join: keys whose primary moved", moved(hz.join.change().keysPrimaryMoved()),
                moved(rr.join.change().keysPrimaryMoved()));
        row("join: keys touched (native: in a partition with a replica migration from a member; ringroute: "
                + "replica set changed)", moved(hz.join.change().keysTouched()), moved(rr.join.change().keysTouched()));
        row("join: entries copied to the new member (native: it holds after migrations; ringroute: warming copy)",
                String.format("%,d", hz.join.change().entriesCopied()),
                String.format("%,d", rr.join.change().entriesCopied()));
        churnRows("kill -9 of 1 of 5", hz.kill, rr.kill);
        row("kill: keys whose primary was on the killed member", moved(hz.kill.change().keysPrimaryMoved()),
                moved(rr.kill.change().keysPrimaryMoved()));
        row("kill: keys that had a copy on the killed member", "all its partitions' keys (re-replicated)",
                moved(rr.kill.change().keysTouched()) + ", left with one copy");
        row("memory: map cost per stored copy, bytes (LocalMapStats owned + backup)", perCopy(hz.loaded),
                perCopy(rr.loaded));
        row("memory: map cost per distinct key, bytes (all copies)", perKey(hz.loaded), perKey(rr.loaded));
        row("memory: heap growth per distinct key, bytes (after full GC, all members)", heapPerKey(hz), heapPerKey(rr));
        row("stored copies (owned + backup entries) after the preload", copies(hz.loaded), copies(rr.loaded));
        row("stored copies (owned + backup entries) after the join", copies(hz.join.after()),
                copies(rr.join.after()));
        row("stored copies (owned + backup entries) after the kill settled", copies(hz.kill.after()),
                copies(rr.kill.after()));
        System.out.println();
        for (Map.Entry<HazelcastPeer, Report> e : reports.entrySet()) {
            System.out.printf("%s join: %s%n", e.getKey().label(), e.getValue().join.change().detail());
            System.out.printf("%s kill: %s%n", e.getKey().label(), e.getValue().kill.change().detail());
        }
    }

    private void churnRows(String what, Churn hz, Churn rr) {
        row(what + ": time until settled, s", String.format("%.1f", hz.change().seconds()),
                String.format("%.1f", rr.change().seconds()));
        row(what + ": hit rate from the change on (lowest " + bucketMillis + " ms bucket)", hitCell(hz),
                hitCell(rr));
        row(what + ": calls that failed (threw) / member calls failed but served elsewhere",
                String.format("%,d of %,d / %s", hz.load().failures(), hz.load().calls(), absorbedCell(hz)),
                String.format("%,d of %,d / %s", rr.load().failures(), rr.load().calls(), absorbedCell(rr)));
        row(what + ": p99 / max latency of the phase, ms; calls/s", phaseCell(hz.load()), phaseCell(rr.load()));
    }

    private static String phaseCell(HazelcastLoad.Result r) {
        return String.format("%.1f / %.1f; %,.0f", r.micros(99) / 1e3, r.latency().getMaxValue() / 1e6,
                r.callsPerSecond());
    }

    private static String absorbedCell(Churn c) {
        return c.absorbed() < 0 ? "n/a (retried inside the client)" : String.format("%,d", c.absorbed());
    }

    private static String hitCell(Churn c) {
        return String.format("%.2f%% (%.2f%%)", 100 * c.hitRateAfter(), 100 * c.lowestBucket());
    }

    private static String latencyCell(Tally t) {
        return String.format("%.0f / %.0f, %,.0f", t.latency.getValueAtPercentile(50) / 1e3,
                t.latency.getValueAtPercentile(99) / 1e3, t.calls / t.seconds);
    }

    private static String missCell(Report r) {
        long misses = 0;
        long failures = 0;
        for (Tally t : r.latency.values()) {
            misses += t.misses;
            failures += t.failures;
        }
        return misses + " / " + failures;
    }

    private String moved(long n) {
        return String.format("%,d (%.1f%%)", n, 100.0 * n / keys);
    }

    private static String perCopy(HazelcastMemoryProbe.Sample s) {
        long entries = s.ownedEntries() + s.backupEntries();
        return entries == 0 ? "n/a" : String.format("%.0f", (double) (s.ownedCost() + s.backupCost()) / entries);
    }

    private String perKey(HazelcastMemoryProbe.Sample s) {
        return String.format("%.0f", (double) (s.ownedCost() + s.backupCost()) / keys);
    }

    private String heapPerKey(Report r) {
        return String.format("%.0f", (double) (r.loaded.heapUsed() - r.empty.heapUsed()) / keys);
    }

    private static String copies(HazelcastMemoryProbe.Sample s) {
        return String.format("%,d + %,d", s.ownedEntries(), s.backupEntries());
    }

    private static void row(String measure, String a, String b) {
        System.out.println("| " + measure + " | " + a + " | " + b + " |");
    }

    private static String key(HazelcastLoad.Op op, HazelcastKeyPopularity p) {
        return op + " " + p.label();
    }

    /** Empty when {@code value >= min}, else "; <option> must be at least <min>, was <value>". */
    private static String atLeast(String option, long value, long min) {
        return value >= min ? "" : "; " + option + " must be at least " + min + ", was " + value;
    }

    private static long seconds(long s) {
        return s * 1_000_000_000L;
    }

    private static String secondsSince(long t0) {
        return String.format("%.1f s", (System.nanoTime() - t0) / 1e9);
    }

    private static void progress(String s) {
        System.err.println("[hazelcast-peers] " + s);
    }
}
