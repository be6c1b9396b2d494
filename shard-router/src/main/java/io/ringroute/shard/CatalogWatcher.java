package io.ringroute.shard;

import io.ringroute.shard.catalog.CatalogSnapshot;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a router on the catalog's current epoch. A daemon thread LISTENs for the catalog's notifications (its
 * connection re-opened with backoff when it breaks) and asks for a refresh on each one and every poll interval.
 * Refreshes run on one thread of their own, one at a time and at most one per {@link #MIN_REFRESH_GAP_NANOS}:
 * callers ({@link #catchUp} for reads, {@link #awaitEpochAfter} for refused writers) share the refresh in flight
 * and wait for it for a bounded time, never on a lock, so a slow or unreachable catalog delays no read by more
 * than {@link #READ_WAIT_NANOS} and costs it no round trip.
 */
final class CatalogWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CatalogWatcher.class);
    /** At most one catalog refresh per this gap, however many callers ask. */
    static final long MIN_REFRESH_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** The longest a read waits for the router to learn a newer epoch that its session has seen. */
    static final long READ_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 2000;

    private final TopologyCatalog catalog;
    private final LongSupplier currentEpoch;
    private final Consumer<CatalogSnapshot> apply;
    private final Consumer<Set<String>> fencing;   // null unless the router takes write leases
    private final ExecutorService refresher;
    private final AtomicReference<CompletableFuture<Long>> inFlight =
            new AtomicReference<>(CompletableFuture.completedFuture(0L));
    private final Thread listener;
    private volatile boolean running = true;
    private volatile long lastRefreshNanos = System.nanoTime() - MIN_REFRESH_GAP_NANOS;
    private volatile long catalogEpoch;            // the catalog's epoch at the last successful refresh
    private volatile long lastSuccessNanos;        // when the last successful refresh started
    private final long outOfTouchNanos;
    private volatile SQLException lastFailure;     // null after a successful refresh
    private volatile long failedRefreshes;         // in a row; written by the refresh thread only

    /**
     * @param fencing told, at every refresh, the shards being fenced ({@link TopologyCatalog#fencingShards}); null
     *                if nothing needs them
     */
    CatalogWatcher(TopologyCatalog catalog, LongSupplier currentEpoch, Consumer<CatalogSnapshot> apply,
                   Consumer<Set<String>> fencing) {
        this.catalog = catalog;
        this.currentEpoch = currentEpoch;
        this.apply = apply;
        this.fencing = fencing;
        this.catalogEpoch = currentEpoch.getAsLong();
        this.lastSuccessNanos = System.nanoTime();     // the router was just built from the catalog's snapshot
        this.outOfTouchNanos = catalog.spec().leaseSilenceLimit().toNanos();
        this.refresher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ringroute-catalog-refresh");
            t.setDaemon(true);
            return t;
        });
        this.listener = new Thread(this::listen, "ringroute-catalog-watcher");
        this.listener.setDaemon(true);
        this.listener.start();
    }

    /** Starts a refresh unless one is in flight; the future completes with the router's epoch after it. */
    CompletableFuture<Long> requestRefresh() {
        while (true) {
            CompletableFuture<Long> current = inFlight.get();
            if (!current.isDone()) {
                return current;
            }
            CompletableFuture<Long> next = new CompletableFuture<>();
            if (inFlight.compareAndSet(current, next)) {
                try {
                    refresher.execute(() -> refresh(next));
                } catch (RejectedExecutionException e) {
                    next.completeExceptionally(new SQLException("the router is closed"));
                }
                return next;
            }
        }
    }

    /**
     * After a notification: a refresh in flight may have read the catalog before the change, so another one starts
     * when it ends (without this, a router learned of a change that came during a refresh only at its next poll).
     */
    private void refreshAfterChange() {
        CompletableFuture<Long> current = inFlight.get();
        if (current.isDone()) {
            requestRefresh();
        } else {
            current.whenComplete((epoch, failure) -> requestRefresh());
        }
    }

    /**
     * For a read whose session has seen epoch {@code wanted}: if the router is older, waits at most
     * {@link #READ_WAIT_NANOS} for a refresh, and not at all when the catalog was just found not to have that epoch
     * (a token from the future, or from another catalog). Never fails: the read then routes by what it has.
     */
    void catchUp(long wanted) {
        if (currentEpoch.getAsLong() >= wanted) {
            return;
        }
        if (lastFailure == null && catalogEpoch < wanted
                && System.nanoTime() - lastRefreshNanos < MIN_REFRESH_GAP_NANOS) {
            return;
        }
        await(requestRefresh(), READ_WAIT_NANOS);
    }

    /**
     * For a writer refused at {@code refusedEpoch}: refreshes (rate-limited) until the router's epoch is newer or
     * {@code deadlineNanos} ({@link System#nanoTime()}) passes; returns the router's epoch then.
     */
    long awaitEpochAfter(long refusedEpoch, long deadlineNanos) {
        long epoch;
        while ((epoch = currentEpoch.getAsLong()) <= refusedEpoch) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                break;
            }
            await(requestRefresh(), left);
        }
        return epoch;
    }

    /**
     * Whether no refresh has succeeded for {@link CatalogSpec#leaseSilenceLimit}: the router may be missing a
     * cutover it cannot learn of, so it uses and takes no write lease until it hears from the catalog again.
     */
    boolean outOfTouch() {
        return System.nanoTime() - lastSuccessNanos > outOfTouchNanos;
    }

    /** Why the last refresh failed, or null if it succeeded. */
    SQLException lastFailure() {
        return lastFailure;
    }

    private void refresh(CompletableFuture<Long> done) {
        long wait = lastRefreshNanos + MIN_REFRESH_GAP_NANOS - System.nanoTime();
        if (wait > 0) {
            LockSupport.parkNanos(wait);
        }
        long started = System.nanoTime();
        lastRefreshNanos = started;
        try {
            long epoch = catalog.epoch();
            if (epoch > currentEpoch.getAsLong()) {
                apply.accept(catalog.snapshot());
            }
            if (fencing != null) {
                fencing.accept(catalog.fencingShards());
            }
            catalogEpoch = epoch;
            lastSuccessNanos = started;
            if (lastFailure != null) {
                LOG.info("the topology catalog answers again at epoch {} after {} failed refreshes", epoch,
                        failedRefreshes);
                lastFailure = null;
                failedRefreshes = 0;
            }
            done.complete(currentEpoch.getAsLong());
        } catch (SQLException e) {
            failed(e);
            done.completeExceptionally(e);
        } catch (RuntimeException e) {
            failed(new SQLException("refreshing the topology failed: " + e, e));
            done.completeExceptionally(e);
        }
    }

    /** One WARN when refreshes start failing (a person should look at the catalog), DEBUG while they go on. */
    private void failed(SQLException e) {
        failedRefreshes++;
        if (lastFailure == null) {
            LOG.warn("refreshing the topology failed, retrying; logged again when it answers: {}", e.getMessage());
        } else {
            LOG.debug("refreshing the topology failed again ({} in a row): {}", failedRefreshes, e.getMessage());
        }
        lastFailure = e;
    }

    /** Refreshes that failed since the last one that succeeded. */
    long failedRefreshes() {
        return failedRefreshes;
    }

    private static void await(CompletableFuture<Long> refresh, long nanos) {
        try {
            refresh.get(nanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // bounded: the caller goes on with the epoch it has (a failure is in lastFailure)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void listen() {
        CatalogSpec spec = catalog.spec();
        int pollMillis = (int) spec.pollInterval().toMillis();
        long backoff = FIRST_BACKOFF_MILLIS;
        while (running) {
            try (Connection c = DirectConnections.open(spec.server(), "ringroute-catalog-watcher")) {
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + catalog.channel());
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                backoff = FIRST_BACKOFF_MILLIS;
                requestRefresh();       // whatever was published while not listening
                while (running) {
                    PGNotification[] events = pg.getNotifications(pollMillis);
                    if (!running) {
                        break;
                    }
                    if (events != null && events.length > 0) {
                        LOG.debug("catalog notified {}", events[events.length - 1].getParameter());
                        refreshAfterChange();
                    } else {
                        requestRefresh();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    LOG.debug("listening to the topology catalog at {} failed, retrying in {} ms: {}",
                            spec.server().redactedUrl(), backoff, e.getMessage());
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff));
                    backoff = Math.min(2 * backoff, MAX_BACKOFF_MILLIS);
                    requestRefresh();   // polling through the catalog connection goes on meanwhile
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        listener.interrupt();
        refresher.shutdownNow();
        try {
            listener.join(5000);
            refresher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catalog.close();
    }
}
