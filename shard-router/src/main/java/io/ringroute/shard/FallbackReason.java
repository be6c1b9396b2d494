package io.ringroute.shard;

/** Why a read that could have used a replica went to the primary. */
public enum FallbackReason {
    /** The shard has no replicas. */
    NO_REPLICA,
    /** Every replica was out of rotation. */
    REPLICA_DOWN,
    /** No healthy replica had replayed far enough (the session's writes, a resharding floor, a staleness bound). */
    REPLICA_BEHIND,
    /** The chosen replica could not be reached. */
    REPLICA_UNREACHABLE,
    /** Every connection of the chosen replica's pool stayed in use. */
    REPLICA_BUSY,
    /** A recovery conflict on the chosen replica canceled the read (SQLSTATE 40001); it ran again on the primary. */
    REPLICA_CONFLICT
}
