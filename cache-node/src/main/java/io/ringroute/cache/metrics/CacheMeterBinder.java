package io.ringroute.cache.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.CacheClusterListener;
import io.ringroute.cache.CacheStats;
import io.ringroute.cache.NodeErrorKind;
import io.ringroute.cache.NodeEvent;
import io.ringroute.cache.NodeState;
import io.ringroute.cache.NodeStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.HdrHistogram.Histogram;

/**
 * Publishes a {@link CacheCluster} client's {@link CacheStats} as Micrometer meters, read when the registry is
 * scraped (one stats snapshot serves every meter of a scrape). Nodes added later get their meters when they join;
 * a removed node's meters are removed. Tags: {@code node} (the node id), {@code operation} (read or write),
 * {@code kind} (why a call failed). Keys never become tags.
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><td>{@code ringroute.cache.reads}</td><td>counter, reads through the cluster</td><td>result (hit, miss)</td></tr>
 * <tr><td>{@code ringroute.cache.node.reads}</td><td>counter, reads of one node</td><td>node, result</td></tr>
 * <tr><td>{@code ringroute.cache.decode.errors}</td><td>counter, values the codec could not decode (served as
 * misses; no node is charged)</td><td></td></tr>
 * <tr><td>{@code ringroute.cache.node.errors}</td><td>counter, failed calls</td><td>node, kind ({@link
 * NodeErrorKind#tag()}: timeout, connection, other)</td></tr>
 * <tr><td>{@code ringroute.cache.node.keys.repaired}</td><td>counter, keys repaired from peers after the node
 * missed writes</td><td>node</td></tr>
 * <tr><td>{@code ringroute.cache.node.ejections}</td><td>counter</td><td>node</td></tr>
 * <tr><td>{@code ringroute.cache.node.entries.moved}</td><td>counter, entries copied in by membership
 * changes</td><td>node</td></tr>
 * <tr><td>{@code ringroute.cache.node.up}</td><td>gauge, 1 in the read path, 0 ejected</td><td>node</td></tr>
 * <tr><td>{@code ringroute.cache.node.client.invocations.pending}</td><td>gauge, calls the node's Hazelcast
 * client sent and has no answer for (Hazelcast's {@code invocations.pendingCalls})</td><td>node</td></tr>
 * <tr><td>{@code ringroute.cache.node.client.events.queued}</td><td>gauge, events that client received and has not
 * handled yet (Hazelcast's {@code listeners.eventQueueSize})</td><td>node</td></tr>
 * <tr><td>{@code ringroute.cache.node.latency}</td><td>function timer (count, total) since the client started</td>
 * <td>node, operation</td></tr>
 * <tr><td>{@code ringroute.cache.node.latency.percentile}</td><td>time gauge since the client started</td>
 * <td>node, operation, quantile (0.5, 0.99, 0.999)</td></tr>
 * </table>
 *
 * <p>The two {@code client} gauges are Hazelcast's own client metrics, read from the JMX beans it publishes (its
 * only public interface to them; see {@link HazelcastClientMetrics}): NaN while they are not there (metrics or JMX
 * turned off through the client properties, or not collected yet), and as old as the collection interval (5 s).
 */
public final class CacheMeterBinder implements MeterBinder {

    private static final long SNAPSHOT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final double[] QUANTILES = {0.5, 0.99, 0.999};

    private final CacheCluster<?> cluster;
    private final Map<String, List<Meter>> nodeMeters = new ConcurrentHashMap<>();
    private final HazelcastClientMetrics hazelcast = new HazelcastClientMetrics();
    private volatile Snapshot snapshot;

    public CacheMeterBinder(CacheCluster<?> cluster) {
        if (cluster == null) {
            throw new IllegalArgumentException("cluster must not be null");
        }
        this.cluster = cluster;
    }

    private record Snapshot(long takenNanos, CacheStats stats) {
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("ringroute.cache.reads", this, b -> b.stats().hits())
                .description("reads through the cluster").tags("result", "hit").register(registry);
        FunctionCounter.builder("ringroute.cache.reads", this, b -> b.stats().misses())
                .description("reads through the cluster").tags("result", "miss").register(registry);
        FunctionCounter.builder("ringroute.cache.decode.errors", this, b -> b.stats().decodeErrors())
                .description("values the codec could not decode, served as misses").register(registry);
        cluster.addListener(new CacheClusterListener() {
            @Override
            public void onNodeEvent(NodeEvent event) {
                if (event.kind() == NodeEvent.Kind.ADDED) {
                    bindNode(registry, event.nodeId());
                } else if (event.kind() == NodeEvent.Kind.REMOVED) {
                    unbindNode(registry, event.nodeId());
                }
            }
        });
        cluster.nodeStates().keySet().forEach(id -> bindNode(registry, id));
    }

    /** Stats at most {@link #SNAPSHOT_NANOS} old: a scrape reads dozens of meters, each from one snapshot. */
    private CacheStats stats() {
        Snapshot s = snapshot;
        long now = System.nanoTime();
        if (s == null || now - s.takenNanos > SNAPSHOT_NANOS) {
            s = new Snapshot(now, cluster.stats());
            snapshot = s;
        }
        return s.stats;
    }

    private void bindNode(MeterRegistry registry, String id) {
        List<Meter> meters = new ArrayList<>();
        Tags node = Tags.of("node", id);
        meters.add(counter(registry, "ringroute.cache.node.reads", "reads of the node", node.and("result", "hit"),
                id, NodeStats::hits));
        meters.add(counter(registry, "ringroute.cache.node.reads", "reads of the node", node.and("result", "miss"),
                id, NodeStats::misses));
        for (NodeErrorKind kind : NodeErrorKind.values()) {
            meters.add(counter(registry, "ringroute.cache.node.errors", "calls to the node that failed, by kind",
                    node.and("kind", kind.tag()), id, n -> n.errors(kind)));
        }
        meters.add(counter(registry, "ringroute.cache.node.keys.repaired",
                "keys repaired from peers after the node missed writes", node, id, NodeStats::keysRepaired));
        meters.add(counter(registry, "ringroute.cache.node.ejections", "times the node left the read path", node,
                id, NodeStats::ejections));
        meters.add(counter(registry, "ringroute.cache.node.entries.moved",
                "entries copied to the node by membership changes", node, id, NodeStats::entriesMovedIn));
        meters.add(Gauge.builder("ringroute.cache.node.up", this,
                        b -> b.node(id, n -> n.state() == NodeState.UP ? 1 : 0))
                .description("1 while the node serves reads, 0 while it is ejected").tags(node).register(registry));
        meters.add(Gauge.builder("ringroute.cache.node.client.invocations.pending", this,
                        b -> b.node(id, n -> b.hazelcast.read(n.clientInstance(), "invocations", "pendingCalls")))
                .description("calls the node's Hazelcast client has sent and not had answered (Hazelcast's own "
                        + "metric, collected every 5 s)").tags(node).register(registry));
        meters.add(Gauge.builder("ringroute.cache.node.client.events.queued", this,
                        b -> b.node(id, n -> b.hazelcast.read(n.clientInstance(), "listeners", "eventQueueSize")))
                .description("events the node's Hazelcast client has received and not yet handled (Hazelcast's own "
                        + "metric, collected every 5 s)").tags(node).register(registry));
        for (String op : List.of("read", "write")) {
            boolean reads = op.equals("read");
            Tags tags = node.and("operation", op);
            meters.add(FunctionTimer.builder("ringroute.cache.node.latency", this,
                            b -> (long) b.node(id, n -> latency(n, reads).getTotalCount()),
                            b -> b.node(id, n -> totalMicros(latency(n, reads))), TimeUnit.MICROSECONDS)
                    .description("latency of calls to the node since the client started").tags(tags)
                    .register(registry));
            for (double q : QUANTILES) {
                meters.add(TimeGauge.builder("ringroute.cache.node.latency.percentile", this, TimeUnit.MICROSECONDS,
                                b -> b.node(id, n -> latency(n, reads).getValueAtPercentile(q * 100)))
                        .description("latency percentile of calls to the node since the client started")
                        .tags(tags.and("quantile", Double.toString(q))).register(registry));
            }
        }
        List<Meter> old = nodeMeters.put(id, meters);
        if (old != null) {
            old.forEach(registry::remove);
        }
    }

    private void unbindNode(MeterRegistry registry, String id) {
        List<Meter> meters = nodeMeters.remove(id);
        if (meters != null) {
            meters.forEach(registry::remove);
        }
    }

    private Meter counter(MeterRegistry registry, String name, String description, Tags tags, String id,
                          ToLongFunction<NodeStats> f) {
        return FunctionCounter.builder(name, this, b -> b.node(id, n -> f.applyAsLong(n))).description(description)
                .tags(tags).register(registry);
    }

    private double node(String id, ToDoubleFunction<NodeStats> f) {
        for (NodeStats n : stats().nodes()) {
            if (n.nodeId().equals(id)) {
                return f.applyAsDouble(n);
            }
        }
        return Double.NaN;
    }

    private static Histogram latency(NodeStats n, boolean reads) {
        return reads ? n.readLatency() : n.writeLatency();
    }

    /** Total time in microseconds: HdrHistogram keeps counts per value bucket, so mean times count. */
    private static double totalMicros(Histogram h) {
        return h.getMean() * h.getTotalCount();
    }
}
