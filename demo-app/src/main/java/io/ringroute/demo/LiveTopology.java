package io.ringroute.demo;

import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.CacheClusterListener;
import io.ringroute.cache.CacheStats;
import io.ringroute.cache.NodeStats;
import io.ringroute.cache.RebalanceProgress;
import io.ringroute.cache.node.CacheNode;
import io.ringroute.demo.ops.Progress;
import io.ringroute.demo.ops.RingView;
import io.ringroute.demo.ops.Topology;
import io.ringroute.demo.social.Rejected;
import io.ringroute.demo.social.Schema;
import io.ringroute.shard.RouterMetrics;
import io.ringroute.shard.ServerMetrics;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.catalog.CatalogSnapshot;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.reshard.ReshardResult;
import io.ringroute.shard.reshard.Resharder;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations view over the real cluster: the cache client's ring and counters, the shard ring from the
 * topology catalog (range by range while a resharding runs), the router's replica metrics and the rows on each
 * shard. In embedded mode it also starts and stops servers for the add/remove buttons.
 */
final class LiveTopology implements Topology, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveTopology.class);
    private static final long REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(900);
    private static final int RESHARD_ATTEMPTS = 3;

    private final CacheCluster<byte[]> cache;
    private final RouterDatabase db;
    private final EmbeddedServers servers;
    private final Optional<CatalogSpec> catalogSpec;
    private final Runnable routerReplaced;
    private final Consumer<String> beforeTakingWrites;
    private final ShardRowCounter rowCounter = new ShardRowCounter();
    private final ExecutorService changes = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "topology-change");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<Progress> cacheChange = new AtomicReference<>();
    private final AtomicReference<Progress> shardChange = new AtomicReference<>();
    private TopologyCatalog catalog;
    private ShardSnapshot lastShards;
    private long lastShardsAt;

    /**
     * {@code servers} is null in external mode: the buttons that start or stop servers are refused.
     * {@code routerReplaced} runs after a new router took over (to bind its meters); {@code beforeTakingWrites}
     * runs with a new shard's name once its tables exist and before any range moves onto it (it waits for that
     * shard's cache invalidator), and fails the change by throwing.
     */
    LiveTopology(CacheCluster<byte[]> cache, RouterDatabase db, EmbeddedServers servers, Runnable routerReplaced,
                 Consumer<String> beforeTakingWrites) {
        this.cache = cache;
        this.db = db;
        this.servers = servers;
        this.routerReplaced = routerReplaced;
        this.beforeTakingWrites = beforeTakingWrites;
        this.catalogSpec = db.router().config().catalog();
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

    /** Recomputed at most about once a second: the page polls every second, other clients may poll more. */
    @Override
    public synchronized ShardSnapshot shards() {
        long now = System.nanoTime();
        if (lastShards == null || now - lastShardsAt > REFRESH_NANOS) {
            lastShards = readShards();
            lastShardsAt = now;
        }
        return new ShardSnapshot(lastShards.ring(), lastShards.shards(), shardChange.get());
    }

    private synchronized void forgetShardSnapshot() {
        lastShards = null;
    }

    @Override
    public String addCacheNode() {
        EmbeddedServers s = embedded("add a cache node");
        String id = s.peekNextCacheNodeId();     // taken only by a change that runs: a refused one leaves it
        run(cacheChange, "add cache node " + id, "batches", () -> {
            CacheNode node = s.startCacheNode(s.nextCacheNodeId());
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
        EmbeddedServers s = embedded("add a shard");
        String name = "shard-" + s.peekNextShard();
        run(shardChange, "add " + name, "ranges", () -> {
            shardChange.updateAndGet(p -> p.advanced(0, 0, "starting " + name + " (primary and standby)"));
            EmbeddedShard shard = s.startShard();
            try (Connection c = shard.primary().connect()) {
                Schema.apply(c);
            }
            beforeTakingWrites.accept(shard.name());
            ShardTopology all = s.topology();
            replaceRouter(all);
            Map<String, Double> target = new TreeMap<>(members());
            target.put(shard.name(), 1.0);
            return reshard(all, target);
        });
        return name;
    }

    @Override
    public void removeShard(String name) {
        EmbeddedServers s = embedded("remove a shard");
        Map<String, Double> members;
        try {
            members = members();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the topology catalog: " + e.getMessage(), e);
        }
        if (!members.containsKey(name)) {
            throw new Rejected(Rejected.Why.NOT_FOUND, "no shard '" + name + "' in the ring (shards: "
                    + members.keySet() + ")");
        }
        if (members.size() == 1) {
            throw new Rejected(Rejected.Why.CONFLICT, "cannot remove '" + name + "': it is the last shard");
        }
        run(shardChange, "remove " + name, "ranges", () -> {
            Map<String, Double> target = new TreeMap<>(members);
            target.remove(name);
            String result = reshard(s.topology(), target);
            s.retireShard(name);
            replaceRouter(s.topology());
            // The replaced router keeps pools to the drained shard until it retires; stop the servers after that.
            changes.execute(() -> {
                if (sleptUninterrupted(RouterDatabase.RETIRE_AFTER.toMillis() + 1000)) {
                    s.stopShard(name);
                }
            });
            return result;
        });
    }

    @Override
    public synchronized void close() {
        changes.shutdownNow();
        rowCounter.close();
        if (catalog != null) {
            catalog.close();
        }
    }

    private void replaceRouter(ShardTopology topology) {
        db.replace(ShardRouter.builder().topology(topology).catalog(servers.catalog()).build());
        routerReplaced.run();
    }

    private String reshard(ShardTopology all, Map<String, Double> target) throws SQLException, InterruptedException {
        try (Resharder resharder = Resharder.builder().catalog(servers.catalog()).shards(all)
                .listener(p -> shardChange.updateAndGet(c -> c.advanced(p.rangesDone(), p.rangesTotal(),
                        p.phase() + ": " + p.rowsDone() + "/" + Math.max(p.rowsDone(), p.rowsTotal()) + " rows, "
                                + Math.round(p.rowsPerSecond()) + " rows/s")))
                .build()) {
            ReshardResult r = null;
            for (int attempt = 1; r == null; attempt++) {
                try {
                    r = resharder.run(target);
                } catch (SQLException e) {
                    // The catalog records what is done, so running again with the same target resumes. Seen: the
                    // clean-up's DROP TRIGGERs (one transaction over all tables) deadlocking with a writer.
                    if (attempt == RESHARD_ATTEMPTS) {
                        throw e;
                    }
                    log.warn("resharding to {} failed ({}); resuming it", target.keySet(), e.getMessage());
                    shardChange.updateAndGet(c -> c.advanced(c.done(), c.total(), "resuming after: " + e.getMessage()));
                }
            }
            return r.rowsCopied() + " rows copied (" + r.rowsCaughtUp() + " caught up), " + r.rowsDeleted()
                    + " deleted from old owners, " + r.ranges() + " ranges";
        }
    }

    private ShardSnapshot readShards() {
        ShardRouter router = db.router();
        RouterMetrics metrics = router.metrics();
        RingView ring;
        List<String> names;
        Optional<CatalogSnapshot> snap = catalogSnapshot();
        if (snap.isPresent()) {
            CatalogSnapshot c = snap.get();
            List<String> joining = c.target().map(t -> List.copyOf(t.keySet())).orElse(List.of());
            ring = RingView.of(c.ring(), c.handedOver(), joining);
            names = ring.nodes().stream().map(RingView.NodeShare::id).toList();
        } else {
            ring = RingView.of(router.config().topology().ring());
            names = router.config().topology().shardNames();
        }
        ShardTopology topology = servers == null ? router.config().topology() : servers.topology();
        Map<String, Map<String, Long>> rows = rowCounter.count(topology);
        Map<String, ShardView> views = new LinkedHashMap<>();
        for (String shard : names) {
            List<ReplicaView> replicas = new ArrayList<>();
            for (ServerMetrics r : metrics.replicas(shard)) {
                replicas.add(new ReplicaView(r.server(), r.healthy() ? "up" : "down", r.lagBytes(),
                        lagMillis(r), r.reads()));
            }
            ServerMetrics primary = metrics.primary(shard).orElse(null);
            views.put(shard, new ShardView(shard, rows.getOrDefault(shard, Map.of()),
                    primary == null ? 0 : primary.reads(), primary == null ? 0 : primary.writes(), replicas));
        }
        return new ShardSnapshot(ring, List.copyOf(views.values()), null);
    }

    /** Null while unknown: a replica not yet polled or out of rotation reports an infinite lag. */
    static Long lagMillis(ServerMetrics replica) {
        double seconds = replica.lagSeconds();
        return replica.healthy() && Double.isFinite(seconds) ? Math.round(seconds * 1000) : null;
    }

    private Optional<CatalogSnapshot> catalogSnapshot() {
        if (catalogSpec.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (catalog == null) {
                catalog = TopologyCatalog.connect(catalogSpec.get());
            }
            return Optional.of(catalog.snapshot());
        } catch (SQLException e) {
            log.debug("cannot read the topology catalog: {}", e.getMessage());
            if (catalog != null) {
                catalog.close();
                catalog = null;
            }
            return Optional.empty();
        }
    }

    private synchronized Map<String, Double> members() throws SQLException {
        return catalogSnapshot().orElseThrow(() -> new SQLException("the topology catalog cannot be read"))
                .members();
    }

    private EmbeddedServers embedded(String what) {
        if (servers == null) {
            throw new Rejected(Rejected.Why.CONFLICT, "cannot " + what + " in external mode: start or stop the"
                    + " servers yourself and reshard with the shard router's CLI (see demo-app/README.md)");
        }
        return servers;
    }

    /** A change that may fail with a checked exception. */
    private interface Change {
        String run() throws Exception;
    }

    /** Runs one change at a time per tier; a second request while one runs is refused. */
    private void run(AtomicReference<Progress> slot, String what, String unit, Change change) {
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
                String result = change.run();
                forgetShardSnapshot(); // so "done" is never shown beside the ring of before
                slot.updateAndGet(p -> p.finished(result));
                log.info("{}: {}", what, result);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                slot.updateAndGet(p -> p.failed(e.getMessage()));
                log.warn("{} failed", what, e);
            }
        });
    }

    /** False if interrupted (the app is stopping: closing the embedded servers stops the shard). */
    private static boolean sleptUninterrupted(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
