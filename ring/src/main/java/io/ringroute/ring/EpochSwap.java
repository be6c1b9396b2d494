package io.ringroute.ring;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

/**
 * The current snapshot of something that changes in epochs (a ring, a routing table): one immutable snapshot in a
 * volatile field, which readers take with {@link #current()} without a lock and always see whole, with its epoch.
 * Writers are serialized and only go forward: a snapshot is swapped in only if its epoch is newer than the current
 * one's, else refused and nothing changes. Each swap is told to the listeners as one change value, built once per
 * swap from both snapshots, in epoch order, on the thread that made the swap. {@link LiveRing} is built on this.
 *
 * @param <S> the snapshot: immutable, carrying its epoch
 * @param <C> what a swap hands to its writer and the listeners
 */
public final class EpochSwap<S, C> {

    /** Builds the change a swap hands out. */
    @FunctionalInterface
    public interface Change<S, C> {
        /**
         * @param before the snapshot that was current
         * @param after  the snapshot that is current now
         * @param heard  whether a listener will be told of it (a change may then skip work nobody reads)
         */
        C between(S before, S after, boolean heard);
    }

    private final ToLongFunction<? super S> epochOf;
    private final Change<? super S, ? extends C> change;
    private final List<Consumer<? super C>> listeners = new CopyOnWriteArrayList<>();
    private final Object writeLock = new Object();
    private volatile S current;

    /**
     * @param initial the first snapshot
     * @param epochOf a snapshot's epoch
     * @param change  the change between two snapshots, built once per swap
     */
    public EpochSwap(S initial, ToLongFunction<? super S> epochOf, Change<? super S, ? extends C> change) {
        if (initial == null || epochOf == null || change == null) {
            throw new IllegalArgumentException("initial snapshot, epochOf and change must not be null");
        }
        this.epochOf = epochOf;
        this.change = change;
        this.current = initial;
    }

    /** The current snapshot: one volatile read, no lock. */
    public S current() {
        return current;
    }

    /** Swaps in {@code next} if its epoch is newer than the current one's; returns the change, or null if refused. */
    public C offer(S next) {
        if (next == null) {
            throw new IllegalArgumentException("snapshot must not be null");
        }
        synchronized (writeLock) {
            return swap(next);
        }
    }

    /**
     * Builds the next snapshot from the current one, with no other writer in between, and offers it: returns the
     * change, or null if its epoch is not newer. If {@code next} throws, nothing changes.
     */
    public C update(UnaryOperator<S> next) {
        synchronized (writeLock) {
            S s = next.apply(current);
            if (s == null) {
                throw new IllegalArgumentException("the update returned no snapshot");
            }
            return swap(s);
        }
    }

    private C swap(S next) {
        S before = current;
        if (epochOf.applyAsLong(next) <= epochOf.applyAsLong(before)) {
            return null;
        }
        current = next;
        C c = change.between(before, next, !listeners.isEmpty());
        for (Consumer<? super C> l : listeners) {
            l.accept(c);
        }
        return c;
    }

    /** Tells {@code listener} of every later swap. */
    public void addListener(Consumer<? super C> listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null");
        }
        listeners.add(listener);
    }
}
