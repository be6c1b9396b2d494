package io.ringroute.shard;

import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import io.ringroute.ring.EpochSwap;
import io.ringroute.shard.catalog.CatalogSnapshot;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.RouterConfig;
import io.ringroute.shard.config.ShardSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A router's servers and the routing table it routes by: the table is one immutable snapshot in an
 * {@link EpochSwap}, swapped whole and only forward, read once per call; with a catalog, a {@link CatalogWatcher}
 * swaps in each newer epoch's table and cutover floors.
 */
final class RouterTopology implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RouterTopology.class);

    private final Map<String, ShardServers> servers;
    private final EpochSwap<RoutingTable, RoutingTable> tables;
    private final CatalogWatcher catalog;     // null for a static topology
    private volatile boolean unroutableEpochSeen;
    /** Shards whose cutover may come at any moment: write leases are not used or taken there. */
    private volatile Set<String> fencing = Set.of();

    RouterTopology(RouterConfig config) {
        Map<String, ShardServers> all = new LinkedHashMap<>();
        for (ShardSpec s : config.topology().shards()) {
            all.put(s.name(), new ShardServers(s));
        }
        this.servers = all;
        if (config.catalog().isPresent()) {
            TopologyCatalog topologyCatalog;
            RoutingTable initial;
            try {
                topologyCatalog = TopologyCatalog.connect(config.catalog().get());
            } catch (SQLException e) {
                all.values().forEach(ShardServers::close);
                throw new IllegalStateException(e.getMessage(), e);
            }
            try {
                CatalogSnapshot first = topologyCatalog.initialize(config.topology());
                initial = tableOf(first);
                raiseFloors(first);
            } catch (SQLException | IllegalStateException e) {
                // the catalog failed, or its epoch names a shard this config lacks: nothing to route by
                topologyCatalog.close();
                all.values().forEach(ShardServers::close);
                throw new IllegalStateException(e.getMessage(), e);
            }
            this.tables = swapFrom(initial);
            all.values().forEach(RouterTopology::installFence);
            this.catalog = new CatalogWatcher(topologyCatalog, () -> tables.current().epoch, this::apply,
                    config.catalog().get().writeLeases() ? this::fencing : null);
        } else {
            this.tables = swapFrom(RoutingTable.of(0, config.topology().ring(), List.of(), all));
            this.catalog = null;
        }
    }

    /** Routing tables swap only forward; nothing listens, so a swap's change is just the new table. */
    private static EpochSwap<RoutingTable, RoutingTable> swapFrom(RoutingTable initial) {
        return new EpochSwap<>(initial, t -> t.epoch, (before, after, heard) -> after);
    }

    /**
     * Whether write leases are suspended on {@code shard}: a cutover from it is about to revoke them, or the router
     * is out of touch with the catalog ({@link CatalogWatcher#outOfTouch}) and could not learn of one. Only for a
     * router that takes leases (it has a catalog).
     */
    boolean leasesSuspended(String shard) {
        return fencing.contains(shard) || catalog.outOfTouch();
    }

    /**
     * The shards being fenced now: the pooled connections of a shard that just joined them are closed (idle ones
     * at once, borrowed ones when they come back), which releases their leases before its cutover has to end them.
     */
    private void fencing(Set<String> now) {
        Set<String> before = fencing;
        fencing = now;
        for (String shard : now) {
            ShardServers s = servers.get(shard);
            if (!before.contains(shard) && s != null) {
                LOG.debug("a cutover from {} is coming: its write leases are released", shard);
                s.primary.evictAll();
            }
        }
    }

    /** The table to route one call by: read it once per call. */
    RoutingTable table() {
        return tables.current();
    }

    /** Every configured shard's servers, in configuration order. */
    Collection<ShardServers> servers() {
        return servers.values();
    }

    /** The catalog watcher, or null for a static topology. */
    CatalogWatcher catalog() {
        return catalog;
    }

    /**
     * A session that wrote at a newer epoch than this router knows (through another router) may have written
     * where this router would not look: learn that epoch first.
     */
    void catchUpWith(Session session) {
        if (catalog != null && session != null && session.routingToken().epoch() > tables.current().epoch) {
            catalog.catchUp(session.routingToken().epoch());
        }
    }

    /**
     * Switches to a newer catalog snapshot: floors first, then the table, so no read sees the table without them.
     * Keeps the table it has when the snapshot's epoch is not newer or names a shard this router lacks.
     */
    private void apply(CatalogSnapshot snapshot) {
        RoutingTable next;
        try {
            next = tableOf(snapshot);
        } catch (IllegalStateException e) {
            // Keep routing by the old epoch: the fences refuse its writes to moved ranges, nothing goes astray.
            // Expected of a router being replaced by one built with the new shards: said once, then at DEBUG.
            if (!unroutableEpochSeen) {
                unroutableEpochSeen = true;
                LOG.info("keeps routing by topology epoch {}: epoch {} needs a router built with its shards ({})",
                        tables.current().epoch, snapshot.epoch(), e.getMessage());
            } else {
                LOG.debug("cannot switch to topology epoch {}: {}", snapshot.epoch(), e.getMessage());
            }
            return;
        }
        raiseFloors(snapshot);
        if (tables.offer(next) != null) {
            LOG.debug("routing by topology epoch {}", next.epoch);
        }
    }

    /** The snapshot's table; IllegalStateException if it names a shard this router's configuration lacks. */
    private RoutingTable tableOf(CatalogSnapshot snapshot) {
        return RoutingTable.of(snapshot.epoch(), snapshot.ring(), snapshot.handedOver(), servers);
    }

    private void raiseFloors(CatalogSnapshot snapshot) {
        snapshot.floors().forEach((shard, lsn) -> {
            ShardServers s = servers.get(shard);
            if (s != null && lsn > s.floorLsn) {
                s.floorLsn = lsn;
            }
        });
    }

    private static void installFence(ShardServers shard) {
        try (Connection c = shard.primary.connection()) {
            WriteFence.install(c);
        } catch (SQLException e) {
            LOG.warn("could not install the write fence on {} yet (it is retried on first write): {}",
                    shard.primary.name, e.getMessage());
        }
    }

    RouterMetrics metrics() {
        List<ServerMetrics> out = new ArrayList<>();
        for (ShardServers s : servers.values()) {
            ServerPool p = s.primary;
            out.add(new ServerMetrics(s.name, Role.PRIMARY, p.spec.redactedUrl(), p.healthy, p.reads.sum(),
                    p.writes.sum(), s.fallbacks.sum(), 0, 0, p.polls.sum(), p.ejections.sum()));
            for (ServerPool r : s.replicas) {
                out.add(new ServerMetrics(s.name, Role.REPLICA, r.spec.redactedUrl(), r.healthy, r.reads.sum(),
                        r.writes.sum(), 0, r.lagBytes, r.lagSeconds, r.polls.sum(), r.ejections.sum()));
            }
        }
        List<RouterMetrics.Fallbacks> fallbacks = new ArrayList<>();
        for (ShardServers s : servers.values()) {
            for (FallbackReason why : FallbackReason.values()) {
                fallbacks.add(new RouterMetrics.Fallbacks(s.name, why, s.fallbacks(why)));
            }
        }
        return new RouterMetrics(tables.current().epoch, out, fallbacks);
    }

    void poolMetrics(MetricsTrackerFactory factory) {
        for (ShardServers s : servers.values()) {
            s.primary.metricsTrackerFactory(factory);
            for (ServerPool r : s.replicas) {
                r.metricsTrackerFactory(factory);
            }
        }
    }

    /** Stops following the catalog; {@link #close} closes the pools once nothing uses them. */
    void stopWatching() {
        if (catalog != null) {
            catalog.close();
        }
    }

    @Override
    public void close() {
        servers.values().forEach(ShardServers::close);
    }
}
