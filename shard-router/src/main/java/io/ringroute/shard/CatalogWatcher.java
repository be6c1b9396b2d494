package io.ringroute.shard;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a router on the catalog's current epoch: a daemon thread LISTENs for the catalog's notifications and, on
 * each one or every poll interval, re-reads the catalog when its epoch is newer than the router's. Writers that
 * were refused by a shard's fence call {@link #refresh()} directly.
 */
final class CatalogWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CatalogWatcher.class);

    private final TopologyCatalog catalog;
    private final LongSupplier currentEpoch;
    private final Consumer<CatalogSnapshot> apply;
    private final Thread listener;
    private volatile boolean running = true;

    CatalogWatcher(TopologyCatalog catalog, LongSupplier currentEpoch, Consumer<CatalogSnapshot> apply) {
        this.catalog = catalog;
        this.currentEpoch = currentEpoch;
        this.apply = apply;
        this.listener = new Thread(this::listen, "ringroute-catalog-watcher");
        this.listener.setDaemon(true);
        this.listener.start();
    }

    /** Re-reads the catalog if its epoch is newer than the router's; returns the router's epoch afterwards. */
    synchronized long refresh() throws SQLException {
        if (catalog.epoch() > currentEpoch.getAsLong()) {
            apply.accept(catalog.snapshot());
        }
        return currentEpoch.getAsLong();
    }

    private void listen() {
        CatalogSpec spec = catalog.spec();
        int pollMillis = (int) spec.pollInterval().toMillis();
        while (running) {
            try (Connection c = DriverManager.getConnection(spec.server().url(),
                    DriverProperties.forDirectConnection(spec.server()))) {
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + catalog.channel());
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                refresh();
                while (running) {
                    PGNotification[] events = pg.getNotifications(pollMillis);
                    if (running) {
                        refresh();
                        if (events != null && events.length > 0) {
                            LOG.debug("catalog notified epoch {}", events[events.length - 1].getParameter());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    LOG.warn("watching the topology catalog at {} failed, retrying: {}", spec.server().redactedUrl(),
                            e.getMessage());
                    sleep(pollMillis);
                }
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        listener.interrupt();
        try {
            listener.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catalog.close();
    }
}
