package io.ringroute.shard.catalog;

import io.ringroute.shard.DirectConnections;
import io.ringroute.shard.config.CatalogSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The one connection of a {@link TopologyCatalog}, opened by {@link DirectConnections}: every call (re)connects
 * first, no sooner than a backoff (100 ms doubling to 5 s) after the last failed attempt; a lost connection is
 * dropped and reported as {@link CatalogUnavailableException} naming the step; every transaction runs under a
 * statement and lock timeout (the step timeout). Once it holds a session lock, a lost connection is final. Not
 * thread-safe: the catalog calls it under its own lock.
 */
final class CatalogConnection implements AutoCloseable {

    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** What runs on the connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final CatalogSpec spec;
    private final String applicationName;
    private final Duration stepTimeout;
    private Connection c;                 // null while disconnected
    private boolean holdsSessionLock;
    private long backoffNanos;
    private long retryAtNanos;
    private String lastFailure;

    CatalogConnection(CatalogSpec spec, String applicationName, Duration stepTimeout) {
        this.spec = spec;
        this.applicationName = applicationName;
        this.stepTimeout = stepTimeout;
    }

    /** Notes that the connection holds the resharder's session lock: losing it ends the run that took it. */
    void holdsSessionLock() {
        holdsSessionLock = true;
    }

    <T> T inTransaction(String step, Work<T> work) throws SQLException {
        return inTransaction(step, work, null);
    }

    /** Runs {@code work} in one transaction bounded by the step timeout, after {@code first} (if not null). */
    <T> T inTransaction(String step, Work<T> work, String first) throws SQLException {
        return call(step, tx -> {
            boolean auto = tx.getAutoCommit();
            tx.setAutoCommit(false);
            try {
                try (Statement st = tx.createStatement()) {
                    if (first != null) {
                        st.execute(first);
                    }
                    st.execute("SET LOCAL statement_timeout = " + stepTimeout.toMillis() + "; SET LOCAL lock_timeout = "
                            + stepTimeout.toMillis());
                }
                T result = work.run(tx);
                tx.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    tx.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
                throw e;
            } finally {
                if (!tx.isClosed()) {
                    tx.setAutoCommit(auto);
                }
            }
        });
    }

    /**
     * Runs {@code work} on the connection, (re)connecting first; a lost connection is dropped and reported as
     * {@link CatalogUnavailableException} naming the step.
     */
    <T> T call(String step, Work<T> work) throws SQLException {
        Connection conn = open();
        try {
            return work.run(conn);
        } catch (SQLException e) {
            if (e instanceof CatalogUnavailableException) {
                throw e;
            }
            if (DirectConnections.isConnectionFailure(e) || c == null || c.isClosed()) {
                close();
                lastFailure = e.getMessage();
                throw new CatalogUnavailableException(spec, "is unavailable: " + step + " failed, the connection was"
                        + " lost (" + e.getMessage() + ")", e);
            }
            if ("57014".equals(e.getSQLState()) || "55P03".equals(e.getSQLState())) {
                throw new SQLException(step + " in the topology catalog at " + spec.server().redactedUrl()
                        + " did not finish within its step timeout of " + stepTimeout.toMillis() + " ms", e.getSQLState(),
                        e);
            }
            throw e;
        }
    }

    /** The connection, opened if needed (within the backoff); an unreachable catalog fails naming its URL. */
    Connection open() throws SQLException {
        if (c != null) {
            return c;
        }
        if (holdsSessionLock) {
            throw new CatalogUnavailableException(spec, "is unavailable: the connection that held the resharder"
                    + " lock was lost (" + lastFailure + "): this run cannot go on; resume it", null);
        }
        long now = System.nanoTime();
        if (now - retryAtNanos < 0) {
            throw new CatalogUnavailableException(spec, "is unreachable, reconnecting in "
                    + TimeUnit.NANOSECONDS.toMillis(retryAtNanos - now) + " ms (last failure: " + lastFailure + ")",
                    null);
        }
        try {
            c = DirectConnections.open(spec.server(), applicationName);
            backoffNanos = 0;
            return c;
        } catch (SQLException e) {
            backoffNanos = backoffNanos == 0 ? FIRST_BACKOFF_NANOS : Math.min(2 * backoffNanos, MAX_BACKOFF_NANOS);
            retryAtNanos = now + backoffNanos;
            lastFailure = e.getMessage();
            throw new CatalogUnavailableException(spec, "is unreachable: " + e.getMessage(), e);
        }
    }

    /**
     * Releases the session locks this connection holds, so that they are free when this returns. Closing alone is
     * not enough: the client only sends Terminate, and the server drops the session's locks once its backend has
     * exited, a moment later; a resharder started in that moment was refused as if another one ran.
     */
    void releaseSessionLocks() {
        if (holdsSessionLock && c != null) {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_unlock_all()");
            } catch (SQLException e) {
                // the connection is gone, and its locks with it once the server notices
            }
        }
    }

    /** Drops the connection (it is reopened by the next call). */
    @Override
    public void close() {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing a catalog connection that already failed
            }
            c = null;
        }
    }
}
