package io.ringroute.shard;

import io.ringroute.ring.KeyHash;
import io.ringroute.shard.jdbc.WriteConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write protocol on a key's primary: pass the shard's write fence for the router's epoch and bind the key's
 * token ({@link #enter}), run the unit, then record the commit position in the session and release the fence and
 * the token ({@link #leave}). A write the fence refuses waits for the catalog's newer epoch and is routed again.
 */
final class WritePath {

    private static final Logger LOG = LoggerFactory.getLogger(WritePath.class);

    /** Session-level, so that a write scope's autocommit statements see it; {@link #UNBIND_TOKEN_SQL} undoes it. */
    private static final String BIND_TOKEN_SQL = "SELECT set_config('ringroute.token', ?, false)";
    private static final String UNBIND_TOKEN_SQL = "SELECT " + WriteFence.UNBIND_TOKEN;
    private static final String COMMIT_POSITION_COLUMNS = " pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint,"
            + " ('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::int,"
            + " (SELECT system_identifier FROM pg_control_system())";
    private static final String COMMIT_POSITION_SQL = "SELECT" + COMMIT_POSITION_COLUMNS + ", " + WriteFence.UNBIND_TOKEN;
    private static final String COMMIT_POSITION_AND_EXIT_SQL = "SELECT" + COMMIT_POSITION_COLUMNS + ", "
            + WriteFence.EXIT_COLUMNS;
    /**
     * A unit's end in one round trip: pgjdbc sends the statements of one string together, behind one Sync, and the
     * server runs them in order, so the position is read after the commit record, and the fence and the token are
     * released after the commit. If the COMMIT fails, the server skips the rest: nothing is read or released.
     */
    private static final String COMMIT = "COMMIT; ";
    /** How long a write refused by a shard's fence waits for the catalog to publish the newer epoch. */
    private static final long FENCE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final RouterTopology topology;
    private final Duration fenceWait;

    WritePath(RouterTopology topology, Duration fenceWait) {
        this.topology = topology;
        this.fenceWait = fenceWait;
    }

    /** Runs {@code work} in a transaction on the key's primary and commits it; a session records its position. */
    <T> T write(Session session, String key, ShardWork<T> work) throws SQLException {
        long token = KeyHash.token(key);
        long refusedSince = 0;
        while (true) {
            RoutingTable t = topology.table();
            ServerPool primary = t.shardFor(token).primary;
            Connection c = primary.connection();
            boolean bound = false;     // the connection holds the key's token (and, with a catalog, the fence)
            try {
                enter(c, primary.shard, token, t.epoch);
                bound = true;
                c.setAutoCommit(false);
                T result;
                try {
                    result = work.apply(c);
                } catch (SQLException | RuntimeException | Error e) {
                    recordIfUncertain(session, primary, t.epoch, e);
                    rollbackQuietly(c, e);
                    throw e;
                }
                commitAndLeave(c, primary, session, t.epoch);
                bound = false;
                primary.writes.increment();
                return result;
            } catch (SQLException e) {
                if (WriteFence.isRefusal(e)) {
                    refusedSince = awaitNewerEpoch(t.epoch, refusedSince, primary);
                    continue;
                }
                throw DirectConnections.isConnectionFailure(e) && !(e instanceof ShardUnavailableException)
                        ? primary.unavailable(e) : e;
            } finally {
                if (bound) {
                    leaveQuietly(c, primary);
                }
                ServerPool.closeQuietly(c);
            }
        }
    }

    /** A primary connection for a write scope, fence passed and token bound; closing it ends the unit. */
    Connection openWriteConnection(ShardScope s) throws SQLException {
        long refusedSince = 0;
        while (true) {
            RoutingTable t = topology.table();
            ServerPool primary = t.shardFor(s.token).primary;
            Connection c = primary.connection();
            try {
                enter(c, primary.shard, s.token, t.epoch);
            } catch (SQLException e) {
                ServerPool.closeQuietly(c);
                if (WriteFence.isRefusal(e)) {
                    refusedSince = awaitNewerEpoch(t.epoch, refusedSince, primary);
                    continue;
                }
                throw DirectConnections.isConnectionFailure(e) ? primary.unavailable(e) : e;
            }
            return WriteConnection.wrap(c, () -> {
                primary.writes.increment();
                try {
                    leave(c, primary, s.session, t.epoch);
                } catch (SQLException e) {
                    primary.evict(c);
                    throw e;
                }
            }, () -> {
                if (s.session != null) {
                    s.session.recordUncertain(primary.shard, t.epoch);
                }
            });
        }
    }

    /**
     * After a unit failed with a connection error: it may have committed (the server commits what it received
     * before the connection broke) at a position nobody can read now, so the session's reads of the shard go to
     * the primary until its next known position there.
     */
    private static void recordIfUncertain(Session session, ServerPool primary, long epoch, Throwable e) {
        if (session != null && e instanceof SQLException s && DirectConnections.isConnectionFailure(s)) {
            session.recordUncertain(primary.shard, epoch);
        }
    }

    /**
     * Binds the key's token to the connection (the token column's default) and, with a catalog, passes the
     * shard's write fence for the router's epoch: held until {@link #leave}. Runs with autocommit on, before the
     * unit's transaction, so the fence check sees the shard's current minimum epoch. Waits for the fence at most
     * the configured fence wait, then fails with {@link WriteFenceTimeoutException}.
     */
    private void enter(Connection c, String shard, long token, long epoch) throws SQLException {
        if (topology.catalog() == null) {
            try (PreparedStatement ps = c.prepareStatement(BIND_TOKEN_SQL)) {
                ps.setString(1, Long.toString(token));
                ps.execute();
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(WriteFence.ENTER_SQL)) {
            ps.setLong(1, epoch);
            ps.setString(2, Long.toString(token));
            ps.setInt(3, (int) fenceWait.toMillis());
            ps.execute();
        } catch (SQLException e) {
            if (WriteFence.GATE_TIMEOUT_STATE.equals(e.getSQLState())) {
                throw new WriteFenceTimeoutException(shard, fenceWait, e);
            }
            if (!"42883".equals(e.getSQLState())) {   // undefined_function: the fence is not installed yet
                throw e;
            }
            WriteFence.install(c);
            enter(c, shard, token, epoch);
        }
    }

    /**
     * Commits a {@link #write} unit and ends it in the same round trip: records the commit position in the
     * session, releases the fence and unbinds the key's token, so the pooled connection goes back as it was
     * borrowed. A failed COMMIT rolled back and released nothing (the caller's {@link #leaveQuietly} does). A
     * failure that may have come after the commit (a connection error) makes the session read the shard from the
     * primary until its next write there.
     */
    private void commitAndLeave(Connection c, ServerPool primary, Session session, long epoch) throws SQLException {
        long ticket = session == null ? 0 : session.positionTicket();
        String end = session == null ? exitSql() : topology.catalog() != null ? COMMIT_POSITION_AND_EXIT_SQL
                : COMMIT_POSITION_SQL;
        try (Statement st = c.createStatement()) {
            st.execute(COMMIT + end);                  // the first result is the COMMIT's, the second the SELECT's
            if (!st.getMoreResults()) {
                throw new SQLException("no result from " + end);
            }
            if (session != null) {
                try (ResultSet rs = st.getResultSet()) {
                    rs.next();
                    session.recordWrite(ticket, primary.shard, new ServerIdentity(rs.getLong(3), rs.getInt(2)),
                            rs.getLong(1), epoch);
                }
            }
            c.setAutoCommit(true);                     // idle after the COMMIT: no round trip
        } catch (SQLException e) {
            if (session != null && mayHaveCommitted(e)) {
                session.recordUncertain(primary.shard, epoch);
            }
            throw e;
        }
    }

    /**
     * Whether a failure of the unit's last round trip may have come after its COMMIT: anything but the integrity
     * and transaction-rollback errors (SQLSTATE classes 23 and 40) that a COMMIT itself raises when it rolls back.
     */
    private static boolean mayHaveCommitted(SQLException e) {
        String state = e.getSQLState();
        return state == null || !(state.startsWith("23") || state.startsWith("40"));
    }

    /**
     * Ends a write scope's unit after its commit: records the commit position in the session, releases the fence
     * and unbinds the key's token, so the pooled connection goes back as it was borrowed.
     */
    private void leave(Connection c, ServerPool primary, Session session, long epoch) throws SQLException {
        if (session != null) {
            recordCommit(c, primary, session, epoch, topology.catalog() != null);
        } else {
            try (PreparedStatement ps = c.prepareStatement(exitSql())) {
                ps.execute();
            }
        }
    }

    private String exitSql() {
        return topology.catalog() != null ? WriteFence.EXIT_SQL : UNBIND_TOKEN_SQL;
    }

    /**
     * Releases the fence and unbinds the token after a failed unit; a connection whose state is unknown is
     * dropped, not reused.
     */
    private void leaveQuietly(Connection c, ServerPool primary) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            try (PreparedStatement ps = c.prepareStatement(exitSql())) {
                ps.execute();
            }
        } catch (SQLException e) {
            primary.evict(c);
        }
    }

    /**
     * After a fence refusal: waits (up to {@link #FENCE_WAIT_NANOS} from the first refusal) for the catalog to
     * publish an epoch newer than the one that was refused, then lets the caller route again. Fails naming the
     * shard, and the catalog's failure if it cannot be read.
     */
    private long awaitNewerEpoch(long refusedEpoch, long refusedSince, ServerPool primary) throws SQLException {
        CatalogWatcher catalog = topology.catalog();
        long since = refusedSince == 0 ? System.nanoTime() : refusedSince;
        if (catalog.awaitEpochAfter(refusedEpoch, since + FENCE_WAIT_NANOS) > refusedEpoch) {
            return since;
        }
        SQLException failure = catalog.lastFailure();
        throw new ShardUnavailableException(primary.shard, Role.PRIMARY, "it refuses writes at topology epoch "
                + refusedEpoch + (failure != null ? " and the router cannot learn a newer one: " + failure.getMessage()
                : " and the catalog has published no newer epoch: a resharding cutover is unfinished, resume it"),
                failure);
    }

    /**
     * Records, after a commit, the primary's insert position: it is at or after the end of the commit record, so
     * a replica that has replayed up to it has the commit. If it cannot be read, the session reads this shard from
     * the primary until its next write here.
     */
    private static void recordCommit(Connection c, ServerPool primary, Session session, long epoch,
                                     boolean releaseFence) throws SQLException {
        long ticket = session.positionTicket();
        try (PreparedStatement ps = c.prepareStatement(releaseFence ? COMMIT_POSITION_AND_EXIT_SQL
                : COMMIT_POSITION_SQL); ResultSet rs = ps.executeQuery()) {
            rs.next();
            session.recordWrite(ticket, primary.shard, new ServerIdentity(rs.getLong(3), rs.getInt(2)), rs.getLong(1),
                    epoch);
        } catch (SQLException e) {
            LOG.warn("could not read the commit position on {}; the session reads it from the primary", primary.name,
                    e);
            session.recordUncertain(primary.shard, epoch);
            throw e;     // the caller drops the connection: its token binding and fence lock must not stay
        }
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
