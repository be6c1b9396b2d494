package io.ringroute.cache;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * How many nodes may be out for latency at once (Envoy's max ejection percent): at most a third of the nodes, and at
 * least one. When the client's own machine is overloaded every node looks slow; the budget keeps that from ejecting
 * healthy nodes en masse. Ejections for lost connections and repeated failures are not limited.
 */
final class EjectionBudget {

    private final IntSupplier nodes;
    private final AtomicInteger used = new AtomicInteger();

    EjectionBudget(IntSupplier nodes) {
        this.nodes = nodes;
    }

    int allowed() {
        return Math.max(1, nodes.getAsInt() / 3);
    }

    boolean tryAcquire() {
        for (;;) {
            int u = used.get();
            if (u >= allowed()) {
                return false;
            }
            if (used.compareAndSet(u, u + 1)) {
                return true;
            }
        }
    }

    void release() {
        used.decrementAndGet();
    }
}
