package io.ringroute.ring;

/** Told of every swap of a {@link LiveRing}, in epoch order, on the thread that made the swap. */
@FunctionalInterface
public interface RingListener {
    void onChange(RingChange change);
}
