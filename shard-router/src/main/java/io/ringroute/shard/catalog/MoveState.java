package io.ringroute.shard.catalog;

/** Where one moving token range is in a resharding; the catalog records it so that a restart resumes there. */
public enum MoveState {
    /** Not started. */
    PENDING,
    /** Rows are being copied to the new owner; the old owner still owns the range. */
    COPYING,
    /** The old owner is fenced (its minimum epoch raised) and the tail is being copied. */
    FENCING,
    /** The new owner owns the range; the old owner's copies still wait to be deleted. */
    MOVED,
    /** The old owner's copies are deleted. */
    CLEANED;

    /** True once the new owner owns the range. */
    public boolean handedOver() {
        return this == MOVED || this == CLEANED;
    }
}
