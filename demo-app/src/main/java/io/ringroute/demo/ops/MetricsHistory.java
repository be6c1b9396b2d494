package io.ringroute.demo.ops;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last minutes of the operations view, sampled once a second on the server so that a page opened late still
 * draws the whole window: hit rate and throughput over each interval, the load's latency, replica lag and rows per
 * shard, and a marker wherever a cache node or shard appeared or disappeared.
 */
public final class MetricsHistory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsHistory.class);
    /** How much the charts show. */
    public static final long WINDOW_MILLIS = TimeUnit.MINUTES.toMillis(5);
    static final long INTERVAL_MILLIS = 1000;

    /**
     * One sample.
     *
     * @param hitRate   cache hits over lookups in the interval; null without lookups
     * @param p50Millis latency of the load generator's operations; null while it does not run
     * @param lagMillis per shard, the largest replica lag; null while a replica's lag is unknown
     * @param rows      per shard, rows of all tables
     */
    public record Sample(long atMillis, Double hitRate, double opsPerSecond, Double p50Millis, Double p99Millis,
                         Map<String, Long> lagMillis, Map<String, Long> rows) {
    }

    /** A node or shard that joined ({@code +id}) or left ({@code -id}) between two samples. */
    public record Marker(long atMillis, String tier, String label) {
    }

    /** What the page draws. */
    public record Window(long windowMillis, List<Sample> samples, List<Marker> markers) {
    }

    private final Topology topology;
    private final LoadGenerator load;
    private final LongSupplier clock;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private final ArrayDeque<Marker> markers = new ArrayDeque<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ops-history");
        t.setDaemon(true);
        return t;
    });
    private long lastHits = -1;
    private long lastMisses;
    private Set<String> lastNodes;
    private Set<String> lastShards;

    MetricsHistory(Topology topology, LoadGenerator load, LongSupplier clock) {
        this.topology = topology;
        this.load = load;
        this.clock = clock;
    }

    /** Samples every second until closed. */
    public static MetricsHistory start(Topology topology, LoadGenerator load) {
        MetricsHistory h = new MetricsHistory(topology, load, System::currentTimeMillis);
        h.sampler.scheduleWithFixedDelay(h::sampleQuietly, 0, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        return h;
    }

    public synchronized Window window() {
        return new Window(WINDOW_MILLIS, List.copyOf(samples), List.copyOf(markers));
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (RuntimeException e) {
            log.debug("could not sample the operations view: {}", e.toString());
        }
    }

    synchronized void sample() {
        long now = clock.getAsLong();
        Topology.CacheSnapshot cache = topology.cache();
        Topology.ShardSnapshot shards = topology.shards();
        LoadGenerator.Stats stats = load.stats();
        Double hitRate = null;
        if (lastHits >= 0) {
            long hits = cache.hits() - lastHits;
            long lookups = hits + cache.misses() - lastMisses;
            hitRate = lookups > 0 ? (double) hits / lookups : null;
        }
        lastHits = cache.hits();
        lastMisses = cache.misses();
        Map<String, Long> lag = new LinkedHashMap<>();
        Map<String, Long> rows = new LinkedHashMap<>();
        for (Topology.ShardView s : shards.shards()) {
            lag.put(s.name(), maxLag(s.replicas()));
            rows.put(s.name(), s.rows().values().stream().mapToLong(Long::longValue).sum());
        }
        boolean running = stats.running();
        samples.addLast(new Sample(now, hitRate, running ? stats.opsPerSecond() : 0,
                running ? stats.p50Millis() : null, running ? stats.p99Millis() : null, lag, rows));
        Set<String> nodes = new TreeSet<>();
        cache.nodes().forEach(n -> nodes.add(n.id()));
        mark(now, "cache", lastNodes, nodes);
        lastNodes = nodes;
        mark(now, "shards", lastShards, rows.keySet());
        lastShards = new TreeSet<>(rows.keySet());
        while (!samples.isEmpty() && samples.peekFirst().atMillis() < now - WINDOW_MILLIS) {
            samples.removeFirst();
        }
        while (!markers.isEmpty() && markers.peekFirst().atMillis() < now - WINDOW_MILLIS) {
            markers.removeFirst();
        }
    }

    /** The lag of the shard's slowest replica; null when one is unknown or the shard has none. */
    private static Long maxLag(List<Topology.ReplicaView> replicas) {
        Long max = null;
        for (Topology.ReplicaView r : replicas) {
            if (r.lagMillis() == null) {
                return null;
            }
            max = max == null ? r.lagMillis() : Math.max(max, r.lagMillis());
        }
        return max;
    }

    private void mark(long now, String tier, Set<String> before, Set<String> after) {
        if (before == null) {
            return;
        }
        List<String> changes = new ArrayList<>();
        after.stream().filter(id -> !before.contains(id)).forEach(id -> changes.add("+" + id));
        before.stream().filter(id -> !after.contains(id)).forEach(id -> changes.add("-" + id));
        changes.forEach(c -> markers.addLast(new Marker(now, tier, c)));
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
