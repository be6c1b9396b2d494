package io.ringroute.cache.invalidation;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One batch's way to the cache nodes: wait for the standbys, delete on every node, mark the nodes that missed it.
 * Used by one invalidator thread.
 */
final class Delivery implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CacheInvalidator.class);

    private final NodeLinks links;
    private final ReplayGate gate;
    private final PurgeList purgeList;
    private final TombstoneVersion tombstones;
    private final LongAdder failedDeliveries = new LongAdder();
    /** Nodes whose last delivery failed. */
    private final Set<String> unreachable = new HashSet<>();
    private boolean standbysBehind;

    Delivery(NodeLinks links, ReplayGate gate, PurgeList purgeList, TombstoneVersion tombstones) {
        this.links = links;
        this.gate = gate;
        this.purgeList = purgeList;
        this.tombstones = tombstones;
    }

    /** Waits (bounded) until the standbys have replayed the batch, so a reload after the delete is fresh. */
    void awaitStandbys(Batch batch) {
        List<String> behind = gate.await(batch.endLsn());
        if (!behind.isEmpty() && !standbysBehind) {
            LOG.warn("delivering invalidations up to {} before these standbys replayed them (a reload from them"
                    + " may cache the old rows): {}", SlotStream.lsn(batch.endLsn()), behind);
        }
        standbysBehind = !behind.isEmpty();
    }

    /**
     * Deletes the batch's keys on every node, leaving tombstones versioned as {@link TombstoneVersion} says, and
     * marks each node that did not confirm (every node after a TRUNCATE). Throws when a mark cannot be written:
     * then the batch is not delivered.
     */
    void deliver(Batch batch) {
        Map<String, String> failed = batch.keys().isEmpty() ? Map.of()
                : links.deleteEverywhere(batch.keys(), tombstones.at(System.currentTimeMillis()));
        failed.forEach((node, error) -> {
            failedDeliveries.increment();
            long generation = purgeList.mark(node, "invalidations up to " + SlotStream.lsn(batch.endLsn())
                    + " not delivered: " + error);
            if (unreachable.add(node)) { // once per outage; every later batch marks it again
                LOG.warn("cache node {} missed invalidations; marked for purge (generation {}): {}", node,
                        generation, error);
            }
        });
        if (!batch.keys().isEmpty() && unreachable.retainAll(failed.keySet())) {
            LOG.info("invalidations reach every cache node again (unreachable now: {})", unreachable);
        }
        if (!batch.truncated().isEmpty()) {
            markEveryNode("TRUNCATE of " + batch.truncated());
        }
    }

    void markEveryNode(String reason) {
        for (String node : links.current().keySet()) {
            purgeList.mark(node, reason);
        }
    }

    long failedDeliveries() {
        return failedDeliveries.sum();
    }

    @Override
    public void close() {
        links.close();
        gate.close();
    }
}
