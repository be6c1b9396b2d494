package io.ringroute.cache;

import io.ringroute.cache.wire.CacheKeys;
import io.ringroute.cache.wire.RangeEntries;
import io.ringroute.cache.wire.TokenRangePredicate;
import io.ringroute.ring.HashRing;
import io.ringroute.ring.LiveRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.RebalancePlan;
import io.ringroute.ring.ReplicaChange;
import io.ringroute.ring.TokenRange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a cache cluster from one ring to the next without losing its hits. For every token range whose replica set
 * changes ({@link RebalancePlan#replicaChanges(int)}):
 * <ol>
 *   <li>the ranges a node gains are emptied on it first, so nothing stale from an earlier membership survives;</li>
 *   <li>writes start going to the new replicas as well as the current ones, and deletes are recorded;</li>
 *   <li>each gained range is copied from a live current replica to the new one, filtered on the source member by
 *       token and stored with its remaining TTL, unless the target already has the key (a newer write);</li>
 *   <li>the tombstones of keys deleted during the copy are written again on the new replicas (the copy may have
 *       read them first); a newer write of such a key survives, since nodes keep the newest version; a target that
 *       cannot take them has the keys recorded as missed (unreadable there until repaired) and the change reports
 *       it as a failed batch;</li>
 *   <li>the ring flips: reads go to the new replicas; writes go to them only;</li>
 *   <li>nodes that lost ranges drop those entries; a drop that fails counts as a failed batch and is retried by the
 *       node until it succeeds.</li>
 * </ol>
 * A cold change skips steps 2 to 4. Batches that fail (a node died mid-copy) are counted and their keys miss.
 */
final class Rebalancer {

    /** Ranges per export call; each call scans the source map once, so fewer, larger batches copy faster. */
    static final int RANGES_PER_BATCH = 128;

    private static final Logger LOG = LoggerFactory.getLogger(Rebalancer.class);

    private final LiveRing ring;
    private final int replicationFactor;
    private final Supplier<Map<String, NodeClient>> clients;
    private final WritePhases phases;
    private final Consumer<RebalanceProgress> progress;
    private final long tombstoneTtlMillis;

    Rebalancer(LiveRing ring, int replicationFactor, Supplier<Map<String, NodeClient>> clients, WritePhases phases,
               long tombstoneTtlMillis, Consumer<RebalanceProgress> progress) {
        this.tombstoneTtlMillis = tombstoneTtlMillis;
        this.ring = ring;
        this.replicationFactor = replicationFactor;
        this.clients = clients;
        this.phases = phases;
        this.progress = progress;
    }

    /**
     * What other client processes must hear at each stage of a change; nothing for a client that shares its
     * membership with nobody.
     */
    interface Stages {
        Stages NONE = new Stages() {
        };

        /** Writes now go to both rings; called before the copy starts. */
        default void prepare(HashRing before, HashRing after) {
        }

        /** Reads moved to the new ring; writes still go to both. */
        default void commit(HashRing before, HashRing after) {
        }

        /** Writes go to the new ring only. */
        default void settle(HashRing after) {
        }
    }

    private record Copy(NodeClient source, NodeClient target, List<TokenRange> ranges) {
    }

    /** Runs the change to {@code after}; the caller serializes changes and has connected every node of both rings. */
    RebalanceProgress change(String description, HashRing after, Warming warming, Stages stages) {
        long started = System.nanoTime();
        HashRing before = ring.ring();
        List<ReplicaChange> changes = RebalancePlan.between(before, after).replicaChanges(replicationFactor);
        Map<String, NodeClient> nodes = clients.get();

        Map<String, List<TokenRange>> gained = new LinkedHashMap<>();
        Map<String, List<TokenRange>> lost = new LinkedHashMap<>();
        Map<String, Copy> copies = new LinkedHashMap<>();
        double moved = 0;
        int unsourced = 0;
        for (ReplicaChange c : changes) {
            moved += c.range().fraction();
            for (String target : c.gained()) {
                gained.computeIfAbsent(target, k -> new ArrayList<>()).add(c.range());
                NodeClient source = liveSource(c.before(), nodes);
                if (source == null) {
                    unsourced++;
                } else {
                    copies.computeIfAbsent(source.id() + "->" + target,
                            k -> new Copy(source, nodes.get(target), new ArrayList<>())).ranges().add(c.range());
                }
            }
            for (String loser : c.lost()) {
                if (after.contains(loser)) {
                    lost.computeIfAbsent(loser, k -> new ArrayList<>()).add(c.range());
                }
            }
        }
        List<Copy> batches = warming == Warming.WARM ? batches(copies.values()) : List.of();
        int total = batches.size();
        progress.accept(new RebalanceProgress(description, RebalanceProgress.Phase.STARTED, moved, 0, total, 0, 0,
                since(started)));
        if (unsourced > 0 && warming == Warming.WARM) {
            LOG.warn("{}: {} ranges have no live replica to copy from; their keys will miss", description, unsourced);
        }

        gained.forEach((target, ranges) -> {
            if (!nodes.get(target).dropRanges(TokenRangePredicate.of(ranges))) {
                nodes.get(target).requirePurge(); // stale entries may remain: keep it out of reads until emptied
            }
        });

        int done = 0;
        int failed = 0;
        long copied = 0;
        if (warming == Warming.WARM) {
            WritePhase recording = new WritePhase(after, true);
            phases.swap(recording);
            stages.prepare(before, after);
            for (Copy batch : batches) {
                try {
                    RangeEntries entries = batch.source().export(TokenRangePredicate.of(batch.ranges()));
                    copied += batch.target().importEntries(entries);
                } catch (RuntimeException e) {
                    failed++;
                    LOG.warn("{}: copying {} ranges from {} to {} failed: {}", description, batch.ranges().size(),
                            batch.source().id(), batch.target().id(), e.toString());
                }
                done++;
                progress.accept(new RebalanceProgress(description, RebalanceProgress.Phase.COPYING, moved, done,
                        total, failed, copied, since(started)));
            }
            phases.swap(new WritePhase(after, false));
            if (!recording.deleted.isEmpty()) {
                // The copy may have read a key before its delete: put the tombstones there again. A target that
                // cannot take them has the keys recorded as missed, so it serves none of them before its repair.
                Map<Object, byte[]> tombstones = new LinkedHashMap<>();
                recording.deleted.forEach((id, tombstone) -> tombstones.put(CacheKeys.stored(id), tombstone));
                for (String target : gained.keySet()) {
                    if (nodes.get(target).writeAll(tombstones, tombstoneTtlMillis) > 0) {
                        failed++;
                        LOG.warn("{}: {} could not take the {} deletes made during the copy; it serves none of those"
                                + " keys until repaired", description, target, tombstones.size());
                    }
                }
            }
        } else {
            stages.prepare(before, after);
        }
        ring.set(after);
        phases.swap(new WritePhase(before, false)); // until every process reads the new ring
        stages.commit(before, after);
        phases.swap(WritePhase.steady());
        stages.settle(after);
        for (Map.Entry<String, List<TokenRange>> e : lost.entrySet()) {
            if (!nodes.get(e.getKey()).dropRanges(TokenRangePredicate.of(e.getValue()))) {
                failed++; // retried by the node's repair until it succeeds
            }
        }

        RebalanceProgress last = new RebalanceProgress(description, RebalanceProgress.Phase.DONE, moved, done, total,
                failed, copied, since(started));
        progress.accept(last);
        LOG.info("{}", last);
        return last;
    }

    /** The first current replica that is up: the primary when it can serve. */
    private static NodeClient liveSource(List<Node> before, Map<String, NodeClient> nodes) {
        for (Node n : before) {
            NodeClient c = nodes.get(n.id());
            if (c != null && c.state() == NodeState.UP) {
                return c;
            }
        }
        return null;
    }

    private static List<Copy> batches(Iterable<Copy> copies) {
        List<Copy> out = new ArrayList<>();
        for (Copy c : copies) {
            List<TokenRange> ranges = c.ranges();
            for (int i = 0; i < ranges.size(); i += RANGES_PER_BATCH) {
                out.add(new Copy(c.source(), c.target(),
                        List.copyOf(ranges.subList(i, Math.min(ranges.size(), i + RANGES_PER_BATCH)))));
            }
        }
        return out;
    }

    /**
     * Copies a node's share of the current ring to it from its peers, keeping what it holds (a newer write); for a
     * node that restarted empty. The caller serializes this with membership changes.
     *
     * @return entries stored on the node
     */
    long refill(NodeClient node) {
        HashRing now = ring.ring();
        if (now.size() < 2 || !now.contains(node.id())) {
            return 0;
        }
        Map<String, NodeClient> nodes = clients.get();
        Map<NodeClient, List<TokenRange>> bySource = new LinkedHashMap<>();
        for (ReplicaChange c : RebalancePlan.between(now.withoutNode(node.id()), now)
                .replicaChanges(replicationFactor)) {
            if (c.gained().contains(node.id())) {
                List<Node> others = c.before().stream().filter(n -> !n.id().equals(node.id())).toList();
                NodeClient source = liveSource(others, nodes);
                if (source != null) {
                    bySource.computeIfAbsent(source, k -> new ArrayList<>()).add(c.range());
                }
            }
        }
        long copied = 0;
        for (Copy batch : batches(bySource.entrySet().stream()
                .map(e -> new Copy(e.getKey(), node, e.getValue())).toList())) {
            try {
                copied += node.importEntries(batch.source().export(TokenRangePredicate.of(batch.ranges())));
            } catch (RuntimeException e) {
                LOG.warn("refilling {} from {} failed: {}", node.id(), batch.source().id(), e.toString());
            }
        }
        LOG.info("refilled {} with {} entries from its peers", node.id(), copied);
        return copied;
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
