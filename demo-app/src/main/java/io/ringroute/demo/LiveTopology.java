package io.ringroute.demo;

import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.CacheClusterListener;
import io.ringroute.cache.CacheNode;
import io.ringroute.cache.CacheStats;
import io.ringroute.cache.NodeStats;
import io.ringroute.cache.RebalanceProgress;
import io.ringroute.demo.ops.Progress;
import io.ringroute.demo.ops.RingView;
import io.ringroute.demo.ops.Topology;
import io.ringroute.demo.social.Rejected;
import io.ringroute.shard.Consistency;
import io.ringroute.shard.RouterMetrics;
import io.ringroute.shard.ServerMetrics;
import io.ringroute.shard.ShardRouter;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations view over the real cluster: the cache client's ring and counters, the router's metrics and a
 * row count per shard. In embedded mode it also starts and stops servers for the add/remove buttons.
 */
final class LiveTopology implements Topology, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveTopology.class);
    private static final long ROW_COUNT_EVERY_NANOS = 900_000_000L;

    private final CacheCluster<byte[]> cache;
    private final ShardRouter router;
    private final EmbeddedServers servers;
    private final ExecutorService changes = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "topology-change");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<Progress> cacheChange = new AtomicReference<>();
    private final AtomicReference<Progress> shardChange = new AtomicReference<>();
    private volatile Map<String, Map<String, Long>> rowCounts = Map.of();
    private volatile long rowCountsAt;

    /** {@code servers} is null in external mode: the buttons that start or stop servers are refused. */
    LiveTopology(CacheCluster<byte[]> cache, ShardRouter router, EmbeddedServers servers) {
        this.cache = cache;
        this.router = router;
        this.servers = servers;
        cache.addListener(new CacheClusterListener() {
            @Override
            public void onRebalanceProgress(RebalanceProgress p) {
                cacheChange.updateAndGet(c -> c == null ? null : c.advanced(p.batchesDone(), p.batchesTotal(),
                        p.entriesCopied() + " entries copied, " + String.format("%.1f", 100 * p.movedFraction())
                                + "% of the ring moves"));
            }
        });
    }

    @Override
    public CacheSnapshot cache() {
        CacheStats stats = cache.stats();
        List<CacheNodeView> nodes = new ArrayList<>();
        for (NodeStats n : stats.nodes()) {
            long entries = servers == null ? -1 : servers.cacheEntries(n.nodeId());
            String address = cache.ring().node(n.nodeId()).flatMap(x -> x.attribute(CacheCluster.ADDRESS)).orElse("");
            nodes.add(new CacheNodeView(n.nodeId(), address, entries, n.hits(), n.misses(), n.state().name()));
        }
        return new CacheSnapshot(RingView.of(cache.ring()), cache.replicationFactor(), nodes, stats.hits(),
                stats.misses(), cacheChange.get());
    }

    @Override
    public ShardSnapshot shards() {
        RouterMetrics metrics = router.metrics();
        Map<String, Map<String, Long>> rows = rowCounts();
        Map<String, ShardView> views = new LinkedHashMap<>();
        for (String shard : router.config().topology().shardNames()) {
            List<ReplicaView> replicas = new ArrayList<>();
            for (ServerMetrics r : metrics.replicas(shard)) {
                replicas.add(new ReplicaView(r.server(), r.healthy() ? "up" : "down", r.lagBytes(),
                        Math.round(r.lagSeconds() * 1000), r.reads()));
            }
            ServerMetrics primary = metrics.primary(shard).orElse(null);
            views.put(shard, new ShardView(shard, rows.getOrDefault(shard, Map.of()),
                    primary == null ? 0 : primary.reads(), primary == null ? 0 : primary.writes(), replicas));
        }
        return new ShardSnapshot(RingView.of(router.config().topology().ring()), List.copyOf(views.values()),
                shardChange.get());
    }

    @Override
    public String addCacheNode() {
        EmbeddedServers s = embedded("add a cache node");
        String id = s.nextCacheNodeId();
        run(cacheChange, "add cache node " + id, "batches", () -> {
            CacheNode node = s.startCacheNode(id);
            RebalanceProgress done = cache.addNode(id, node.address(), 1.0, null);
            return done.entriesCopied() + " entries copied in " + done.elapsed().toMillis() + " ms";
        });
        return id;
    }

    @Override
    public void removeCacheNode(String id) {
        EmbeddedServers s = embedded("remove a cache node");
        if (cache.ring().node(id).isEmpty()) {
            throw new Rejected(Rejected.Why.NOT_FOUND, "no cache node '" + id + "'");
        }
        if (cache.ring().size() <= cache.replicationFactor()) {
            throw new Rejected(Rejected.Why.CONFLICT, "cannot remove '" + id + "': the cluster would have fewer"
                    + " nodes than replicas per key (" + cache.replicationFactor() + ")");
        }
        run(cacheChange, "remove cache node " + id, "batches", () -> {
            RebalanceProgress done = cache.removeNode(id);
            s.stopCacheNode(id);
            return done.entriesCopied() + " entries handed over in " + done.elapsed().toMillis() + " ms";
        });
    }

    @Override
    public String addShard() {
        embedded("add a shard");
        throw new Rejected(Rejected.Why.UNAVAILABLE, "adding a shard needs the shard router's resharding,"
                + " which this build does not have yet");
    }

    @Override
    public void removeShard(String name) {
        embedded("remove a shard");
        throw new Rejected(Rejected.Why.UNAVAILABLE, "removing a shard needs the shard router's resharding,"
                + " which this build does not have yet");
    }

    @Override
    public void close() {
        changes.shutdownNow();
    }

    private EmbeddedServers embedded(String what) {
        if (servers == null) {
            throw new Rejected(Rejected.Why.CONFLICT, "cannot " + what + " in external mode: start or stop the"
                    + " server yourself (see demo-app/README.md)");
        }
        return servers;
    }

    /** Runs one change at a time per tier; a second request while one runs is refused. */
    private void run(AtomicReference<Progress> slot, String what, String unit, Supplier<String> change) {
        Progress started = Progress.started(what, unit);
        Progress before = slot.get();
        if (before != null && before.running()) {
            throw new Rejected(Rejected.Why.CONFLICT, "'" + before.what() + "' is still running");
        }
        if (!slot.compareAndSet(before, started)) {
            throw new Rejected(Rejected.Why.CONFLICT, "another change just started");
        }
        changes.execute(() -> {
            try {
                String result = change.get();
                slot.updateAndGet(p -> p.finished(result));
                log.info("{}: {}", what, result);
            } catch (RuntimeException e) {
                slot.updateAndGet(p -> p.failed(e.getMessage()));
                log.warn("{} failed", what, e);
            }
        });
    }

    /** Row counts per shard and table, refreshed at most about once a second (the page polls every second). */
    private Map<String, Map<String, Long>> rowCounts() {
        long now = System.nanoTime();
        if (now - rowCountsAt < ROW_COUNT_EVERY_NANOS) {
            return rowCounts;
        }
        rowCountsAt = now;
        try {
            // scatterGather answers in shard name order; the primaries, so moved rows show at once.
            List<String> names = router.config().topology().shardNames().stream().sorted().toList();
            List<Map<String, Long>> counts = router.scatterGather(Consistency.STRONG, Duration.ofSeconds(2), c -> {
                Map<String, Long> m = new LinkedHashMap<>();
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                        "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM posts),"
                                + " (SELECT count(*) FROM following), (SELECT count(*) FROM likes)")) {
                    rs.next();
                    m.put("users", rs.getLong(1));
                    m.put("posts", rs.getLong(2));
                    m.put("following", rs.getLong(3));
                    m.put("likes", rs.getLong(4));
                }
                return m;
            }, Collectors.toList());
            Map<String, Map<String, Long>> byShard = new LinkedHashMap<>();
            for (int i = 0; i < names.size() && i < counts.size(); i++) {
                byShard.put(names.get(i), counts.get(i));
            }
            rowCounts = byShard;
        } catch (SQLException | RuntimeException e) {
            log.debug("row counts unavailable: {}", e.toString());
        }
        return rowCounts;
    }
}
