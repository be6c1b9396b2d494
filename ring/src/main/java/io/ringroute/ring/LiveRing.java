package io.ringroute.ring;

import java.util.function.UnaryOperator;

/**
 * The current ring of a running system, an {@link EpochSwap} of {@link RingVersion}s numbered by the live ring from
 * 1. Readers take {@link #current()} without locking and always see a whole ring with its epoch; writers swap in a
 * new ring, which bumps the epoch and tells the listeners with the rebalance plan (computed only when a listener
 * reads it). Writers are serialized so listeners see changes in epoch order.
 */
public final class LiveRing {

    private final EpochSwap<RingVersion, RingChange> versions;

    public LiveRing(HashRing initial) {
        if (initial == null) {
            throw new IllegalArgumentException("initial ring must not be null");
        }
        this.versions = new EpochSwap<>(new RingVersion(1, initial), RingVersion::epoch,
                (before, after, heard) -> new RingChange(after.epoch(), before.ring(), after.ring(), heard));
    }

    /** The ring and its epoch, read together. */
    public RingVersion current() {
        return versions.current();
    }

    /** The current ring. */
    public HashRing ring() {
        return versions.current().ring();
    }

    public long epoch() {
        return versions.current().epoch();
    }

    /** Applies a change to the current ring (e.g. {@code r -> r.withNode(n)}) and publishes the result. */
    public RingChange update(UnaryOperator<HashRing> change) {
        return versions.update(v -> {
            HashRing next = change.apply(v.ring());
            if (next == null) {
                throw new IllegalArgumentException("ring change returned null");
            }
            return new RingVersion(v.epoch() + 1, next);
        });
    }

    /** Publishes a ring built elsewhere. */
    public RingChange set(HashRing next) {
        if (next == null) {
            throw new IllegalArgumentException("ring must not be null");
        }
        return versions.update(v -> new RingVersion(v.epoch() + 1, next));
    }

    public void addListener(RingListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null");
        }
        versions.addListener(listener::onChange);
    }
}
