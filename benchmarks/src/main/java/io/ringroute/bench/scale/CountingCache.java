package io.ringroute.bench.scale;

import io.ringroute.demo.social.KeyValueCache;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The demo's cache reads counted by key prefix (the part before the first ':': {@code timeline}, {@code profile},
 * {@code post}, {@code recent}, {@code following}), so a scale run says which misses matter. Every key of a
 * {@code getAll} counts once. The demo reads {@code timeline:} keys with {@code getAll} only to push a new post into
 * followers' cached timelines (the fan-out's read-modify-write, which reads no database on a miss), so those are
 * counted apart, as {@code timeline (fan-out)}.
 */
final class CountingCache implements KeyValueCache {
    static final String FAN_OUT = "timeline (fan-out)";

    /** Hits and misses of one prefix. */
    record Tally(long hits, long misses) {
        long reads() {
            return hits + misses;
        }

        Tally minus(Tally before) {
            return before == null ? this : new Tally(hits - before.hits, misses - before.misses);
        }
    }

    private record Counters(LongAdder hits, LongAdder misses) {
    }

    private final KeyValueCache cache;
    private final Map<String, Counters> byPrefix = new ConcurrentHashMap<>();

    CountingCache(KeyValueCache cache) {
        this.cache = cache;
    }

    @Override
    public byte[] get(String key) {
        byte[] value = cache.get(key);
        count(prefix(key), value != null);
        return value;
    }

    @Override
    public Map<String, byte[]> getAll(Collection<String> keys) {
        Map<String, byte[]> found = cache.getAll(keys);
        for (String key : keys) {
            String prefix = prefix(key);
            count(prefix.equals("timeline") ? FAN_OUT : prefix, found.containsKey(key));
        }
        return found;
    }

    @Override
    public void put(String key, byte[] value, Duration ttl) {
        cache.put(key, value, ttl);
    }

    @Override
    public void putAll(Map<String, byte[]> entries, Duration ttl) {
        cache.putAll(entries, ttl);
    }

    @Override
    public void delete(String key) {
        cache.delete(key);
    }

    /** The counts so far, by prefix. */
    Map<String, Tally> snapshot() {
        Map<String, Tally> now = new TreeMap<>();
        byPrefix.forEach((prefix, c) -> now.put(prefix, new Tally(c.hits.sum(), c.misses.sum())));
        return now;
    }

    /** Hits and misses per prefix between two snapshots, and each prefix's share of all misses. */
    static void print(PrintStream out, Map<String, Tally> before, Map<String, Tally> after) {
        Map<String, Tally> measured = new TreeMap<>();
        after.forEach((prefix, t) -> measured.put(prefix, t.minus(before.get(prefix))));
        long misses = measured.values().stream().mapToLong(Tally::misses).sum();
        long reads = measured.values().stream().mapToLong(Tally::reads).sum();
        Tally probes = measured.getOrDefault(FAN_OUT, new Tally(0, 0));
        out.println("cache reads by key prefix     reads      hit   share of misses");
        measured.forEach((prefix, t) -> out.printf("  %-20s %,12d  %6.2f%%  %6.1f%%%n", prefix, t.reads(),
                t.reads() == 0 ? 0 : 100.0 * t.hits() / t.reads(), misses == 0 ? 0 : 100.0 * t.misses() / misses));
        long servingReads = reads - probes.reads();
        long servingHits = reads - misses - probes.hits();
        out.printf("hit ratio of the reads that fall back to the database (all but the fan-out's): %.2f%% of %,d"
                + " (goal >= %.0f%%: %s)%n", servingReads == 0 ? 0 : 100.0 * servingHits / servingReads, servingReads,
                100 * ScaleReport.HIT_RATIO_GOAL,
                servingReads > 0 && (double) servingHits / servingReads >= ScaleReport.HIT_RATIO_GOAL ? "met"
                        : "MISSED");
    }

    private void count(String prefix, boolean hit) {
        Counters c = byPrefix.computeIfAbsent(prefix, p -> new Counters(new LongAdder(), new LongAdder()));
        (hit ? c.hits : c.misses).increment();
    }

    private static String prefix(String key) {
        int colon = key.indexOf(':');
        return colon < 0 ? key : key.substring(0, colon);
    }
}
