package io.ringroute.ring;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * The current ring of a running system. Readers take {@link #current()} without locking and always see a whole
 * ring with its epoch; writers swap in a new ring, which bumps the epoch and tells the listeners with the
 * rebalance plan (computed only when a listener reads it). Writers are serialized so listeners see changes in epoch order.
 */
public final class LiveRing {

    private volatile RingVersion current;
    private final List<RingListener> listeners = new CopyOnWriteArrayList<>();
    private final Object writeLock = new Object();

    public LiveRing(HashRing initial) {
        if (initial == null) {
            throw new IllegalArgumentException("initial ring must not be null");
        }
        this.current = new RingVersion(1, initial);
    }

    /** The ring and its epoch, read together. */
    public RingVersion current() {
        return current;
    }

    /** The current ring. */
    public HashRing ring() {
        return current.ring();
    }

    public long epoch() {
        return current.epoch();
    }

    /** Applies a change to the current ring (e.g. {@code r -> r.withNode(n)}) and publishes the result. */
    public RingChange update(UnaryOperator<HashRing> change) {
        synchronized (writeLock) {
            HashRing next = change.apply(current.ring());
            if (next == null) {
                throw new IllegalArgumentException("ring change returned null");
            }
            return publish(next);
        }
    }

    /** Publishes a ring built elsewhere. */
    public RingChange set(HashRing next) {
        if (next == null) {
            throw new IllegalArgumentException("ring must not be null");
        }
        synchronized (writeLock) {
            return publish(next);
        }
    }

    private RingChange publish(HashRing next) {
        RingVersion prev = current;
        RingVersion version = new RingVersion(prev.epoch() + 1, next);
        current = version;
        RingChange change = new RingChange(version.epoch(), prev.ring(), next, !listeners.isEmpty());
        for (RingListener l : listeners) {
            l.onChange(change);
        }
        return change;
    }

    public void addListener(RingListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null");
        }
        listeners.add(listener);
    }
}
