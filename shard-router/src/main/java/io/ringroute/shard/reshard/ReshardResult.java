package io.ringroute.shard.reshard;

import java.time.Duration;
import java.util.List;

/**
 * What a resharding run did.
 *
 * @param epoch        the catalog epoch after completion
 * @param ranges       ranges handed over in this run
 * @param rowsCopied   rows bulk-copied in this run
 * @param rowsCaughtUp rows re-copied because writers changed them during the copy
 * @param rowsDeleted  rows deleted from the old owners
 * @param duration     wall time of the run
 * @param fencePauses  per cutover (one or several ranges of one shard pair), in order: how long the old owner's
 *                     writes were held, from requesting its write-gate lock to releasing it
 */
public record ReshardResult(long epoch, int ranges, long rowsCopied, long rowsCaughtUp, long rowsDeleted,
                            Duration duration, List<Duration> fencePauses) {

    public ReshardResult {
        fencePauses = List.copyOf(fencePauses);
    }

    /** The longest time one source shard's writes were held at a cutover (zero if there was none). */
    public Duration maxFencePause() {
        return fencePauses.stream().max(Duration::compareTo).orElse(Duration.ZERO);
    }
}
