package io.ringroute.cache.invalidation;

import org.HdrHistogram.Histogram;

/**
 * What a {@link CacheInvalidator} has done since it started.
 *
 * @param active whether it holds the slot now (a second invalidator of the same shard waits, inactive)
 * @param transactions committed transactions delivered (their keys deleted on every node, or the node marked)
 * @param markedTransactions transactions skipped whole because they carried the {@code skipMarked} message
 * @param keysDeleted keys sent to the nodes, counted once per delivery however many nodes took them
 * @param failedDeliveries deliveries to one node that failed (each marked that node on the purge list)
 * @param retries deliveries repeated because the purge list could not be written (the slot did not advance)
 * @param sessionFailures sessions on the slot that failed to open or stopped on an error (each retried; not one
 *                        that found the slot in use by another invalidator)
 * @param confirmedLsn the slot position this invalidator confirmed last, e.g. {@code 0/1A2B3C8}; "0/0" before any
 * @param delayMicros per transaction, from its commit (the server's clock) to the end of its delivery (this one's)
 */
public record InvalidatorStats(boolean active, long transactions, long markedTransactions, long keysDeleted, long failedDeliveries,
        long retries, long sessionFailures, String confirmedLsn, Histogram delayMicros) {
}
