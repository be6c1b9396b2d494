package io.ringroute.shard.metrics;

import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.ringroute.shard.FallbackReason;
import io.ringroute.shard.Role;
import io.ringroute.shard.RouterMetrics;
import io.ringroute.shard.ServerMetrics;
import io.ringroute.shard.ShardRouter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a {@link ShardRouter}'s {@link RouterMetrics} as Micrometer meters, read when the registry is scraped,
 * and hands every pool of the router HikariCP's own {@link MicrometerMetricsTrackerFactory} ({@code hikaricp.*}
 * meters tagged with the pool name {@code ringroute-<shard>-<server>}). Bind a router once: HikariCP takes one
 * tracker per pool.
 *
 * <table>
 * <caption>Meters (tags: {@code shard}; {@code role} primary/replica; {@code server} primary, replica0, ...)</caption>
 * <tr><td>{@code ringroute.router.reads}</td><td>counter</td><td>shard, role, server</td></tr>
 * <tr><td>{@code ringroute.router.writes}</td><td>counter, write transactions</td><td>shard</td></tr>
 * <tr><td>{@code ringroute.router.fallbacks}</td><td>counter, reads sent to the primary</td><td>shard, reason</td></tr>
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

    private final ShardRouter router;

    public RouterMeterBinder(ShardRouter router) {
        if (router == null) {
            throw new IllegalArgumentException("router must not be null");
        }
        this.router = router;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        router.poolMetrics(new MicrometerMetricsTrackerFactory(registry));
        List<ServerMetrics> servers = router.metrics().servers();
        Map<String, Integer> replicasSeen = new HashMap<>();
        for (int i = 0; i < servers.size(); i++) {
            ServerMetrics s = servers.get(i);
            if (s.role() == Role.PRIMARY) {
                bindServer(registry, i, s, "primary");
                bindShard(registry, i, s.shard());
            } else {
                bindServer(registry, i, s, "replica" + (replicasSeen.merge(s.shard(), 1, Integer::sum) - 1));
            }
        }
        Gauge.builder("ringroute.router.epoch", router, r -> r.metrics().epoch())
                .description("the topology epoch the router routes by").register(registry);
    }

    private void bindServer(MeterRegistry registry, int index, ServerMetrics s, String server) {
        Tags tags = Tags.of("shard", s.shard(), "role", s.role().name().toLowerCase(Locale.ROOT), "server", server);
        FunctionCounter.builder("ringroute.router.reads", router, value(index, ServerMetrics::reads))
                .description("reads served").tags(tags).register(registry);
        Gauge.builder("ringroute.router.server.healthy", router, value(index, m -> m.healthy() ? 1 : 0))
                .description("1 while the server is in rotation, 0 while it is not").tags(tags).register(registry);
        if (s.role() == Role.REPLICA) {
            Tags replica = Tags.of("shard", s.shard(), "server", server);
            TimeGauge.builder("ringroute.router.replica.lag", router, TimeUnit.SECONDS,
                            value(index, ServerMetrics::lagSeconds))
                    .description("age of the primary state the replica serves; +Inf while unknown")
                    .tags(replica).register(registry);
            Gauge.builder("ringroute.router.replica.lag.wal", router, value(index, ServerMetrics::lagBytes))
                    .description("WAL the replica has still to replay").baseUnit("bytes").tags(replica)
                    .register(registry);
        }
    }

    private void bindShard(MeterRegistry registry, int primary, String shard) {
        FunctionCounter.builder("ringroute.router.writes", router, value(primary, ServerMetrics::writes))
                .description("write transactions committed on the primary").tags("shard", shard)
                .register(registry);
        for (FallbackReason why : FallbackReason.values()) {
            FunctionCounter.builder("ringroute.router.fallbacks", router, r -> r.metrics().fallbacks(shard, why))
                    .description("reads that could have used a replica and went to the primary")
                    .tags("shard", shard, "reason", why.name().toLowerCase(Locale.ROOT)).register(registry);
        }
    }

    /** Reads one server's value from a fresh snapshot; the router's servers keep their order for its lifetime. */
    private static ToDoubleFunction<ShardRouter> value(int index, ToDoubleFunction<ServerMetrics> f) {
        return r -> {
            List<ServerMetrics> servers = r.metrics().servers();
            return index < servers.size() ? f.applyAsDouble(servers.get(index)) : Double.NaN;
        };
    }
}
