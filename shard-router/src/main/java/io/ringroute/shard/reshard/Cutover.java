package io.ringroute.shard.reshard;

import io.ringroute.shard.WriteFence;
import io.ringroute.shard.catalog.CatalogMove;
import io.ringroute.shard.catalog.TopologyCatalog;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cutover of a group of ranges: under the old owner's exclusive write-gate lock, revoke the routers' write
 * leases there, raise its minimum epoch past the group's hand-overs, drain the change log, and publish the
 * hand-overs in the catalog; only then release the lock. Every statement inside is bounded by the cutover step
 * timeout.
 */
final class Cutover {

    private static final Logger LOG = LoggerFactory.getLogger(Cutover.class);
    private static final int FENCE_ATTEMPTS = 5;

    /** Re-copies the tokens the change log names in a token set; returns how many log entries it consumed. */
    @FunctionalInterface
    interface CatchUp {
        long run(Connection from, Connection to, Segments tokens) throws SQLException;
    }

    private final TopologyCatalog catalog;
    private final Duration fenceLockTimeout;
    private final Duration leaseGrace;
    private final Duration stepTimeout;
    private final CatchUp catchUp;

    /**
     * @param leaseGrace how long routers have to release their write leases on a shard being fenced before the
     *                   cutover ends the sessions of those that did not (WriteFence, "Write leases")
     */
    Cutover(TopologyCatalog catalog, Duration fenceLockTimeout, Duration leaseGrace, Duration stepTimeout,
            CatchUp catchUp) {
        this.catalog = catalog;
        this.fenceLockTimeout = fenceLockTimeout;
        this.leaseGrace = leaseGrace;
        this.stepTimeout = stepTimeout;
        this.catchUp = catchUp;
    }

    /**
     * Hands the group's ranges over at the epochs after {@code epoch} (one per range); nothing else happens while
     * the lock is held. Returns how long writers to the old owner were held.
     */
    Duration handOver(MoveGroup g, Connection from, Connection to, long epoch)
            throws SQLException, InterruptedException {
        long floor = insertPosition(to);   // above every copy so far; read again only if the drain copies
        bound(from, true);
        bound(to, true);
        Duration pause;
        try {
            pause = fence(g, from, to, floor, epoch);
        } catch (SQLException | InterruptedException | RuntimeException e) {
            unboundQuietly(from, e);
            unboundQuietly(to, e);
            throw e;
        }
        bound(from, false);
        bound(to, false);
        return pause;
    }

    private void unboundQuietly(Connection c, Exception failure) {
        try {
            if (!c.isClosed()) {
                bound(c, false);
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    private Duration fence(MoveGroup g, Connection from, Connection to, long floor, long epoch)
            throws SQLException, InterruptedException {
        Segments tokens = g.tokens();
        WriteFence.awaitLeasesReleased(from, leaseGrace);   // the moves are FENCING: routers let go of theirs
        for (int attempt = 1; ; attempt++) {
            long start = System.nanoTime();
            if (lockGate(from)) {
                boolean revoked = false;
                try {
                    // no unit on a leased connection may run past this point either (WriteFence, "Write leases")
                    revoked = WriteFence.revokeLeases(from, fenceLockTimeout, leaseGrace);
                    if (revoked) {
                        // one epoch per range (the catalog hands over one move per epoch): an interrupted group
                        // resumes as its FENCING moves and ends at this same epoch
                        WriteFence.raiseMinimumEpoch(from, epoch + g.size());
                        // writers are held: one pass empties the log of these ranges
                        if (catchUp.run(from, to, tokens) > 0) {
                            floor = insertPosition(to);
                        }
                        catalog.handOver(g.moves().stream().map(CatalogMove::index).toList(), epoch, g.to(), floor);
                    }
                } finally {
                    if (revoked) {
                        WriteFence.releaseRevoked(from);
                    }
                    unlockGate(from);
                }
                if (revoked) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }
            }
            if (attempt == FENCE_ATTEMPTS) {
                throw new IllegalStateException("could not fence shard '" + g.from() + "' in " + FENCE_ATTEMPTS
                        + " attempts: write units held its write gate (or, on a leased connection, a write lease)"
                        + " longer than " + fenceLockTimeout.toMillis() + " ms each time");
            }
            LOG.info("fencing {} timed out behind a long write unit; catching up and trying again", g.from());
            catchUp.run(from, to, tokens);
            ReshardRun.checkInterrupted();
        }
    }

    /**
     * Bounds (or unbounds) every statement on a shard connection by the cutover step timeout, and makes the
     * server end the session when it sits idle that long, so a resharder that hangs inside a cutover releases
     * the write gate it holds.
     */
    private void bound(Connection c, boolean on) throws SQLException {
        long ms = on ? stepTimeout.toMillis() : 0;
        try (Statement st = c.createStatement()) {
            st.execute("SET statement_timeout = " + ms + "; SET idle_session_timeout = " + ms);
        }
    }

    /**
     * Takes the write gate exclusively, waiting at most the fence lock timeout, in one round trip: the three
     * statements run as one implicit transaction, so a timeout also rolls the {@code SET} back.
     */
    private boolean lockGate(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET lock_timeout = '" + fenceLockTimeout.toMillis() + "ms'; SELECT pg_advisory_lock("
                    + WriteFence.LOCK_KEY + "); SET lock_timeout = 0");
            return true;
        } catch (SQLException e) {
            if ("55P03".equals(e.getSQLState()) || "57014".equals(e.getSQLState())) {   // lock or statement timeout
                return false;
            }
            throw e;
        }
    }

    private void unlockGate(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_unlock(" + WriteFence.LOCK_KEY + ")");
        }
    }

    private static long insertPosition(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
