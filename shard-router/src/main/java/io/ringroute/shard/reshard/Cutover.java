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
 * The cutover of a group of ranges: revoke the routers' write leases on the old owner, then, under its exclusive
 * write-gate lock, raise its minimum epoch past the group's hand-overs, drain the change log, and publish the
 * hand-overs in the catalog; only then release the lock and the leases. Every statement inside is bounded by the
 * cutover step timeout.
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
        for (int attempt = 1; ; attempt++) {
            // the moves are FENCING: routers let go of their leases; none is taken from now until the release.
            // Waited for before the gate, so that a unit passing the gate on a leased connection is not held up by
            // a cutover that waits for its lease, nor are writers held meanwhile (WriteFence, "Write leases")
            boolean revoked = WriteFence.revokeLeases(from, leaseGrace.plus(fenceLockTimeout), leaseGrace);
            if (revoked) {
                try {
                    long start = System.nanoTime();
                    if (WriteFence.lockExclusively(from, WriteFence.LOCK_KEY, fenceLockTimeout.toMillis())) {
                        try {
                            // one epoch per range (the catalog hands over one move per epoch): an interrupted group
                            // resumes as its FENCING moves and ends at this same epoch
                            WriteFence.raiseMinimumEpoch(from, epoch + g.size());
                            // writers are held: one pass empties the log of these ranges
                            if (catchUp.run(from, to, tokens) > 0) {
                                floor = insertPosition(to);
                            }
                            catalog.handOver(g.moves().stream().map(CatalogMove::index).toList(), epoch, g.to(),
                                    floor);
                        } finally {
                            unlockGate(from);
                        }
                        return Duration.ofNanos(System.nanoTime() - start);
                    }
                } finally {
                    WriteFence.releaseRevoked(from);
                }
            }
            if (attempt == FENCE_ATTEMPTS) {
                throw new IllegalStateException("could not fence shard '" + g.from() + "' in " + FENCE_ATTEMPTS
                        + " attempts: write units held its write gate longer than " + fenceLockTimeout.toMillis()
                        + " ms, or routers held write leases there longer than " + leaseGrace.plus(fenceLockTimeout)
                        .toMillis() + " ms, each time");
            }
            LOG.info("fencing {} timed out behind {}; catching up and trying again", g.from(),
                    revoked ? "a long write unit" : "a router's write lease");
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
