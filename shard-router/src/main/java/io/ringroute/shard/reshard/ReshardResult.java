package io.ringroute.shard.reshard;

import java.time.Duration;

/**
 * What a resharding run did.
 *
 * @param epoch          the catalog epoch after completion
 * @param ranges         ranges handed over in this run
 * @param rowsCopied     rows bulk-copied in this run
 * @param rowsCaughtUp   rows re-copied because writers changed them during the copy
 * @param rowsDeleted    rows deleted from the old owners
 * @param duration       wall time of the run
 * @param maxFencePause  the longest time one source shard's writes were held at a cutover
 */
public record ReshardResult(long epoch, int ranges, long rowsCopied, long rowsCaughtUp, long rowsDeleted,
                            Duration duration, Duration maxFencePause) {
}
