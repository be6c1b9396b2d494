package io.ringroute.shard.metrics;

import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.ringroute.shard.FallbackReason;
import io.ringroute.shard.Role;
import io.ringroute.shard.RouterMetrics;
import io.ringroute.shard.ServerMetrics;
import io.ringroute.shard.ShardRouter;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a {@link ShardRouter}'s {@link RouterMetrics} as Micrometer meters, read when the registry is scraped,
 * and hands every pool of the router HikariCP's own {@link MicrometerMetricsTrackerFactory} ({@code hikaricp.*}
 * meters tagged with the pool name {@code ringroute-<shard>-<server>}). Bind a router once: HikariCP takes one
 * tracker per pool. The meters hold the binder (and so the router supplier) strongly.
 *
 * <table>
 * <caption>Meters (tags: {@code shard}; {@code role} primary/replica; {@code server} primary, replica0, ...)</caption>
 * <tr><td>{@code ringroute.router.reads}</td><td>counter</td><td>shard, role, server</td></tr>
 * <tr><td>{@code ringroute.router.writes}</td><td>counter, write transactions</td><td>shard</td></tr>
 * <tr><td>{@code ringroute.router.fallbacks}</td><td>counter, reads sent to the primary</td><td>shard, reason</td></tr>
 * <tr><td>{@code ringroute.router.server.ejections}</td><td>counter, times out of rotation</td><td>shard, role, server</td></tr>
 * <tr><td>{@code ringroute.router.server.healthy}</td><td>gauge, 1 in rotation, 0 not</td><td>shard, role, server</td></tr>
 * <tr><td>{@code ringroute.router.replica.lag}</td><td>time gauge, seconds (+Inf when unknown)</td><td>shard, server</td></tr>
 * <tr><td>{@code ringroute.router.replica.lag.wal}</td><td>gauge, bytes of WAL</td><td>shard, server</td></tr>
 * <tr><td>{@code ringroute.router.epoch}</td><td>gauge, the routing epoch</td><td></td></tr>
 * </table>
 *
 * <pre>{@code
 * new RouterMeterBinder(router).bindTo(registry);
 * }</pre>
 */
public final class RouterMeterBinder implements MeterBinder {

    private final Supplier<ShardRouter> router;
    private final Set<ShardRouter> tracked = Collections.newSetFromMap(new WeakHashMap<>());
    /**
     * Per registry, the servers and shards whose meters are registered: they read the current router, so a rebind
     * adds only the new ones (registering a meter again is ignored by Micrometer, with a WARN).
     */
    private final Map<MeterRegistry, Set<String>> bound = new WeakHashMap<>();
    private int routers;

    /** Meters of one router. */
    public RouterMeterBinder(ShardRouter router) {
        this(requireRouter(router));
    }

    /**
     * Meters of whichever router {@code current} returns when they are read, for an application that replaces its
     * router (to add shards): call {@link #bindTo} again after a replacement to add the new servers' meters and
     * give the new pools their HikariCP tracker (the n-th router's pools are tagged {@code <pool>-<n>}, since the
     * pools it replaces remove their meters when they close). A server the current router lacks reads NaN.
     */
    public RouterMeterBinder(Supplier<ShardRouter> current) {
        if (current == null) {
            throw new IllegalArgumentException("router supplier must not be null");
        }
        this.router = current;
    }

    private static Supplier<ShardRouter> requireRouter(ShardRouter router) {
        if (router == null) {
            throw new IllegalArgumentException("router must not be null");
        }
        return () -> router;
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        ShardRouter current = router.get();
        if (tracked.add(current)) {
            MetricsTrackerFactory hikari = new MicrometerMetricsTrackerFactory(registry);
            int generation = ++routers;
            // A replacement's pools must not share meters with the pools it replaces: those remove theirs on close.
            current.poolMetrics(generation == 1 ? hikari
                    : (pool, stats) -> hikari.create(pool + "-" + generation, stats));
        }
        Set<String> done = bound.computeIfAbsent(registry, r -> new HashSet<>());
        List<ServerMetrics> servers = current.metrics().servers();
        Map<String, Integer> replicasSeen = new HashMap<>();
        for (ServerMetrics s : servers) {
            if (s.role() == Role.PRIMARY) {
                if (done.add(s.shard() + "/primary")) {
                    bindServer(registry, s, "primary", 0);
                    bindShard(registry, s.shard());
                }
            } else {
                int i = replicasSeen.merge(s.shard(), 1, Integer::sum) - 1;
                if (done.add(s.shard() + "/replica" + i)) {
                    bindServer(registry, s, "replica" + i, i);
                }
            }
        }
        if (done.add("epoch")) {
            Gauge.builder("ringroute.router.epoch", this, b -> b.router.get().metrics().epoch())
                    .description("the topology epoch the router routes by").strongReference(true).register(registry);
        }
    }

    private void bindServer(MeterRegistry registry, ServerMetrics s, String server, int replica) {
        Tags tags = Tags.of("shard", s.shard(), "role", s.role().name().toLowerCase(Locale.ROOT), "server", server);
        ToDoubleFunction<RouterMeterBinder> reads = value(s.shard(), s.role(), replica, ServerMetrics::reads);
        FunctionCounter.builder("ringroute.router.reads", this, reads).description("reads served").tags(tags)
                .register(registry);
        FunctionCounter.builder("ringroute.router.server.ejections", this,
                        value(s.shard(), s.role(), replica, ServerMetrics::ejections))
                .description("times the server was taken out of rotation").tags(tags).register(registry);
        Gauge.builder("ringroute.router.server.healthy", this,
                        value(s.shard(), s.role(), replica, m -> m.healthy() ? 1 : 0))
                .description("1 while the server is in rotation, 0 while it is not").tags(tags).register(registry);
        if (s.role() == Role.REPLICA) {
            Tags replicaTags = Tags.of("shard", s.shard(), "server", server);
            TimeGauge.builder("ringroute.router.replica.lag", this, TimeUnit.SECONDS,
                            value(s.shard(), Role.REPLICA, replica, ServerMetrics::lagSeconds))
                    .description("age of the primary state the replica serves; +Inf while unknown")
                    .tags(replicaTags).register(registry);
            Gauge.builder("ringroute.router.replica.lag.wal", this,
                            value(s.shard(), Role.REPLICA, replica, ServerMetrics::lagBytes))
                    .description("WAL the replica has still to replay").baseUnit("bytes").tags(replicaTags)
                    .register(registry);
        }
    }

    private void bindShard(MeterRegistry registry, String shard) {
        FunctionCounter.builder("ringroute.router.writes", this,
                        value(shard, Role.PRIMARY, 0, ServerMetrics::writes))
                .description("write transactions committed on the primary").tags("shard", shard)
                .register(registry);
        for (FallbackReason why : FallbackReason.values()) {
            FunctionCounter.builder("ringroute.router.fallbacks", this,
                            b -> b.router.get().metrics().fallbacks(shard, why))
                    .description("reads that could have used a replica and went to the primary")
                    .tags("shard", shard, "reason", why.name().toLowerCase(Locale.ROOT)).register(registry);
        }
    }

    /** One server's value from a fresh snapshot of the current router: its primary, or its n-th replica. */
    private static ToDoubleFunction<RouterMeterBinder> value(String shard, Role role, int replica,
                                                            ToDoubleFunction<ServerMetrics> f) {
        return b -> {
            int seen = 0;
            for (ServerMetrics s : b.router.get().metrics().servers()) {
                if (s.shard().equals(shard) && s.role() == role && seen++ == replica) {
                    return f.applyAsDouble(s);
                }
            }
            return Double.NaN;
        };
    }
}
