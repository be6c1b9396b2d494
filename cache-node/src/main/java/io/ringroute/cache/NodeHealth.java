package io.ringroute.cache;

import com.hazelcast.nio.serialization.HazelcastSerializationException;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's health, a small state machine: {@link NodeState#UP} (in the read path) or {@link NodeState#EJECTED}
 * (out of it, and probed with backoff until it answers). A lost connection ejects the node at once, {@code ejectAfter}
 * consecutive failed calls do, and so do slow calls ({@link SlowCalls}) while the {@link EjectionBudget} allows.
 * Only node and network failures count, not a caller's bad arguments ({@link #callerError}).
 *
 * <p>The probe reconnects if needed, asks the node for its size (a node out for latency must answer within the
 * slow-call threshold), has its missed keys repaired, puts it back, repairs again (keys recorded by writers that saw
 * it out just before), and has a node that restarted refilled. Reporting a call ({@link #succeeded},
 * {@link #failed}) takes no lock and allocates nothing unless the call failed; ejecting and rejoining hold the
 * monitor.
 */
final class NodeHealth {

    private static final Logger LOG = LoggerFactory.getLogger(NodeHealth.class);

    private final String id;
    private final String address;
    private final ClientSettings settings;
    private final ScheduledExecutorService scheduler;
    private final Consumer<NodeEvent> events;
    private final NodeCounters counters;
    private final NodeConnection connection;
    private final Runnable repair;
    private final Runnable refill;
    private final SlowCalls slowCalls;
    private final EjectionBudget slowBudget;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();

    private volatile NodeState state = NodeState.EJECTED;
    private volatile boolean closed;
    private volatile boolean ejectedForLatency;
    private volatile long probeDelayMillis;

    /**
     * @param repair brings the node's missed keys up to date (before and after it rejoins)
     * @param refill copies the node's share to it from its peers (after it rejoined as a new member)
     */
    NodeHealth(String id, String address, ClientSettings settings, ScheduledExecutorService scheduler,
               Consumer<NodeEvent> events, NodeCounters counters, EjectionBudget slowBudget,
               NodeConnection connection, Runnable repair, Runnable refill) {
        this.id = id;
        this.address = address;
        this.settings = settings;
        this.scheduler = scheduler;
        this.events = events;
        this.counters = counters;
        this.slowBudget = slowBudget;
        this.connection = connection;
        this.repair = repair;
        this.refill = refill;
        this.slowCalls = new SlowCalls(settings.slowCallThreshold(), settings.slowCalls(), settings.slowCallWindow());
    }

    NodeState state() {
        return state;
    }

    boolean up() {
        return state == NodeState.UP;
    }

    /** Stopped: no more probes or repairs. */
    boolean closed() {
        return closed;
    }

    /** In the read path (the first connect succeeded). */
    void connected() {
        state = NodeState.UP;
    }

    /** Starts out of the read path and probes until the node answers (a degraded start). */
    void startEjected(String reason) {
        counters.ejection();
        events.accept(new NodeEvent(Instant.now(), id, NodeEvent.Kind.EJECTED, reason));
        scheduleProbe(settings.probeInitial().toMillis());
    }

    /** The connection was lost: out at once. */
    void lost(String reason) {
        eject(reason, false);
    }

    // ---- calls ------------------------------------------------------------------------------------------------

    /** Records a call that succeeded: its latency, the end of a failure streak, and whether it made the node slow. */
    void succeeded(boolean write, long startNanos) {
        long now = System.nanoTime();
        long micros = counters.latency(write, (now - startNanos) / 1000);
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
        if (slowCalls.slow(now, micros)) {
            ejectSlow(micros);
        }
    }

    /**
     * Counts a failed call against the node, unless the caller's arguments were at fault.
     *
     * @return what to throw: the original exception for a caller error, else a {@link NodeFailure}
     */
    RuntimeException failed(Exception e, long startNanos) {
        if (callerError(e)) {
            return (RuntimeException) e;
        }
        counters.error(NodeErrorKind.of(e));
        if (consecutiveFailures.incrementAndGet() >= settings.ejectAfter()) {
            eject(consecutiveFailures.get() + " consecutive failures, last: " + e, false);
        } else {
            long now = System.nanoTime();
            if (slowCalls.slow(now, (now - startNanos) / 1000)) {
                ejectSlow((now - startNanos) / 1000);
            }
        }
        return e instanceof NodeFailure f ? f : new NodeFailure(id, e);
    }

    /** Bad arguments (a TTL or value the node refuses, a codec that cannot serialize), not a node in trouble. */
    static boolean callerError(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof HazelcastSerializationException
                || e instanceof NullPointerException || e instanceof ClassCastException;
    }

    // ---- ejection and probing ---------------------------------------------------------------------------------

    private void ejectSlow(long lastMicros) {
        if (state != NodeState.UP || !slowBudget.tryAcquire()) {
            return; // too many nodes out for latency already: the slowness is more likely ours (load) than theirs
        }
        if (!eject(settings.slowCalls() + " calls over " + settings.slowCallThreshold().toMillis() + " ms within "
                + settings.slowCallWindow().toMillis() + " ms, last " + lastMicros / 1000 + " ms", true)) {
            slowBudget.release();
        }
    }

    /** Takes the node out of the read path and starts probing; false if it was out already. */
    private boolean eject(String reason, boolean forLatency) {
        synchronized (this) {
            if (state != NodeState.UP || closed) {
                return false;
            }
            state = NodeState.EJECTED;
            ejectedForLatency = forLatency;
        }
        counters.ejection();
        LOG.warn("cache node '{}' at {} ejected: {}", id, address, reason);
        events.accept(new NodeEvent(Instant.now(), id, NodeEvent.Kind.EJECTED, reason));
        scheduleProbe(settings.probeInitial().toMillis());
        return true;
    }

    private void scheduleProbe(long delayMillis) {
        probeDelayMillis = delayMillis;
        if (!closed) {
            scheduler.schedule(this::probe, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void probe() {
        if (closed) {
            return;
        }
        try {
            connection.reopenIfLost();
            if (closed) {
                connection.close();
                return;
            }
            long start = System.nanoTime();
            connection.map().size();
            long micros = (System.nanoTime() - start) / 1000;
            if (ejectedForLatency && micros > settings.slowCallThreshold().toNanos() / 1000) {
                throw new IllegalStateException("still slow: " + micros / 1000 + " ms");
            }
            boolean restarted = connection.restarted();
            repair.run();
            synchronized (this) {
                if (closed) {
                    return;
                }
                consecutiveFailures.set(0);
                slowCalls.reset();
                state = NodeState.UP;
                if (ejectedForLatency) {
                    ejectedForLatency = false;
                    slowBudget.release();
                }
            }
            repair.run(); // keys recorded by writers that saw the node out just before it came back
            LOG.info("cache node '{}' at {} rejoined{}", id, address, restarted ? " (restarted)" : "");
            events.accept(new NodeEvent(Instant.now(), id, NodeEvent.Kind.REJOINED, restarted ? "restarted" : ""));
            if (restarted) {
                refill.run();
            }
        } catch (RuntimeException e) {
            long next = Math.min(probeDelayMillis * 2, settings.probeMax().toMillis());
            LOG.debug("probe of cache node '{}' failed, next in {} ms: {}", id, next, e.toString());
            scheduleProbe(next);
        }
    }

    /** Stops probing (a probe under way sees it before it puts the node back). */
    void stop() {
        synchronized (this) {
            closed = true;
        }
    }
}
