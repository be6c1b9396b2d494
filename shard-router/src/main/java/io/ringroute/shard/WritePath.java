package io.ringroute.shard;

import io.ringroute.ring.KeyHash;
import io.ringroute.shard.jdbc.UnitEntry;
import io.ringroute.shard.jdbc.WriteConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write protocol on a key's primary: pass the shard's write fence for the router's epoch and bind the key's
 * token, run the unit, then let the session know of the commit. A {@link #write} unit does the first inside its
 * transaction, on its first statement's round trip ({@link UnitEntry}), and does not read its commit's position:
 * the session learns it from the poller's next sample of the primary ({@link Session#recordCommitted}), so the
 * unit is two round trips, as the bare transaction. A write scope enters and leaves around its connection
 * ({@link #enter}, {@link #leave}) and reads the position on the leaving round trip. A write the fence refuses
 * waits for the catalog's newer epoch and is routed again.
 */
final class WritePath {

    private static final Logger LOG = LoggerFactory.getLogger(WritePath.class);

    /** A write unit's token, transaction-local: its COMMIT or rollback unbinds it. */
    private static final String UNIT_BIND_TOKEN_SQL = "SELECT set_config('ringroute.token', ?, true)";
    /** Session-level, so that a write scope's autocommit statements see it; {@link #UNBIND_TOKEN_SQL} undoes it. */
    private static final String BIND_TOKEN_SQL = "SELECT set_config('ringroute.token', ?, false)";
    private static final String UNBIND_TOKEN_SQL = "SELECT " + WriteFence.UNBIND_TOKEN;
    /**
     * The insert position, the timeline (both from memory) and the system identifier. {@code pg_control_system()}
     * reads the control file, a third of a bare write's time, so its value is kept in a session setting of the
     * server connection the first time: a connection's server, and so its system identifier, never changes
     * (COALESCE does not evaluate the subquery while the setting is there; RESET ALL only makes it read again).
     */
    private static final String COMMIT_POSITION_COLUMNS = " pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint,"
            + " ('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::int,"
            + " coalesce(nullif(current_setting('ringroute.system_id', true), ''), set_config('ringroute.system_id',"
            + " (SELECT system_identifier::text FROM pg_control_system()), false))::bigint";
    private static final String COMMIT_POSITION_SQL = "SELECT" + COMMIT_POSITION_COLUMNS + ", " + WriteFence.UNBIND_TOKEN;
    /** The position alone, on a pooled connection of the primary: what a session's token export reads. */
    private static final String POSITION_SQL = "SELECT" + COMMIT_POSITION_COLUMNS;
    private static final String COMMIT_POSITION_AND_EXIT_SQL = "SELECT" + COMMIT_POSITION_COLUMNS + ", "
            + WriteFence.EXIT_COLUMNS;
    /**
     * A unit's end with its position, for a session that reads it on the commit ({@link Session#positionOnCommit}),
     * in one round trip: pgjdbc sends the statements of one string together, behind one Sync, and the server runs
     * them in order, so the position is read after the commit record. If the COMMIT fails, the rest is skipped.
     */
    private static final String UNIT_COMMIT_SQL = "COMMIT; SELECT" + COMMIT_POSITION_COLUMNS;
    /**
     * SQLSTATEs of a unit's entry on a shard whose fence is missing or older: undefined function, table, schema.
     */
    private static final Set<String> MISSING_FENCE = Set.of("42883", "42P01", "3F000");
    /** How long a write refused by a shard's fence waits for the catalog to publish the newer epoch. */
    private static final long FENCE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Units run again at most this many times after their leased connection ended (a cutover revoked it). */
    private static final int MAX_REVOKED_RETRIES = 3;

    private final RouterTopology topology;
    private final Duration fenceWait;
    /** The connections holding a write lease, or null if the router takes none (no catalog, or leases off). */
    private final WriteLeases leases;

    /** A primary's insert position and the WAL history it is on. */
    record Position(ServerIdentity identity, long lsn) {

        /** The first row of a query that selects {@link #COMMIT_POSITION_COLUMNS} first. */
        static Position of(ResultSet rs) throws SQLException {
            rs.next();
            return new Position(new ServerIdentity(rs.getLong(3), rs.getInt(2)), rs.getLong(1));
        }
    }

    WritePath(RouterTopology topology, Duration fenceWait, boolean takeLeases) {
        this.topology = topology;
        this.fenceWait = fenceWait;
        this.leases = takeLeases && topology.catalog() != null ? new WriteLeases() : null;
    }

    /**
     * Runs {@code work} in a transaction on the key's primary and commits it; a session records its position. The
     * unit's entry rides on its first prepared statement; if that fails with an undefined object (a shard whose
     * fence is missing or older, or the statement's own), the unit runs again with the entry on its own first,
     * which installs the fence if it is the entry's.
     */
    <T> T write(Session session, String key, ShardWork<T> work) throws SQLException {
        long token = KeyHash.token(key);
        long refusedSince = 0;
        boolean carried = true;
        boolean installed = false;
        int revoked = 0;
        while (true) {
            RoutingTable t = topology.table();
            ServerPool primary = t.shardFor(token).primary;
            ServerSample before = primary.sample;    // which server the unit is about to run on, for the session
            Connection c = primary.connection();
            try {
                boolean suspended = leases != null && topology.leasesSuspended(primary.shard);
                boolean leased = leases != null && !suspended && leases.covers(c, t.epoch);
                c.setAutoCommit(false);
                UnitEntry entry = unitEntry(token, t.epoch, leased);
                T result = null;
                try {
                    if (!carried) {
                        entry.enterAlone(c);
                    }
                    result = work.apply(WriteConnection.unit(c, entry));
                } catch (SQLException | RuntimeException | Error e) {
                    rollbackQuietly(c, e);
                    if (leased && e instanceof SQLException s && DirectConnections.isConnectionFailure(s)
                            && !entry.commitAttempted() && revoked++ < MAX_REVOKED_RETRIES) {
                        // most likely a cutover revoked the lease and ended the session: nothing was committed
                        LOG.debug("a leased connection to {} ended ({}); the unit runs again", primary.name,
                                s.getMessage());
                        primary.evictAll();
                        continue;
                    }
                    if (!isEntryFailure(entry.failure(), leased)) {
                        recordIfUncertain(session, primary, t.epoch, e);
                        throw e;
                    }
                }
                SQLException refused = entry.failure();   // the work may have caught it and gone on
                if (isEntryFailure(refused, leased)) {
                    c.rollback();
                    if (WriteFence.isRefusal(refused)) {
                        refusedSince = awaitNewerEpoch(t.epoch, refusedSince, primary);
                    } else if (WriteFence.UNIT_GATE_TIMEOUT_STATE.equals(refused.getSQLState())) {
                        throw new WriteFenceTimeoutException(primary.shard, fenceWait, refused);
                    } else if (carried) {
                        carried = false;
                    } else if (!installed) {
                        WriteFence.install(c);
                        installed = true;
                    } else {
                        throw refused;
                    }
                    continue;
                }
                if (leases != null && !leased && !suspended && entry.passed()) {
                    leases.take(c, t.epoch);
                }
                commit(c, primary, session, before, t.epoch);
                primary.writes.increment();
                if (leases != null && topology.leasesSuspended(primary.shard) && leases.epoch(c) >= 0) {
                    primary.evict(c);    // leased before the suspension was seen: released for the cutover
                }
                return result;
            } catch (SQLException e) {
                throw DirectConnections.isConnectionFailure(e) && !(e instanceof ShardUnavailableException)
                        ? primary.unavailable(e) : e;
            } finally {
                ServerPool.closeQuietly(c);     // the pool rolls back what is left and turns autocommit on
            }
        }
    }

    /**
     * What a unit runs first: with a catalog the fence check and the token, else (or on a leased connection) the
     * token only, which a statement that inserts nothing does without ({@link UnitEntry}).
     */
    private UnitEntry unitEntry(long token, long epoch, boolean leased) {
        String text = Long.toString(token);
        if (topology.catalog() == null || leased) {
            return new UnitEntry(UNIT_BIND_TOKEN_SQL, 1, ps -> ps.setString(1, text), true);
        }
        int waitMillis = (int) fenceWait.toMillis();
        return new UnitEntry(WriteFence.ENTER_UNIT_SQL, WriteFence.ENTER_UNIT_PARAMETERS, ps -> {
            ps.setLong(1, epoch);
            ps.setString(2, text);
            ps.setLong(3, epoch);
            ps.setString(4, text);
            ps.setInt(5, waitMillis);
        }, false);
    }

    /**
     * A failure of the unit's entry that the router handles: a refusal, a gate timeout, a missing fence (only with
     * a catalog: without one the entry is a built-in function, and an undefined object is the statement's own).
     */
    private boolean isEntryFailure(SQLException e, boolean leased) {
        return e != null && (WriteFence.isRefusal(e) || WriteFence.UNIT_GATE_TIMEOUT_STATE.equals(e.getSQLState())
                || topology.catalog() != null && !leased && MISSING_FENCE.contains(e.getSQLState()));
    }

    /** A primary connection for a write scope, fence passed and token bound; closing it ends the unit. */
    Connection openWriteConnection(ShardScope s) throws SQLException {
        long refusedSince = 0;
        int revoked = 0;
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
                if (WriteFence.isSessionEnded(e) && revoked++ < MAX_REVOKED_RETRIES) {
                    primary.evictAll();    // a revoked lease (the entry is the scope's first statement)
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
                    s.session.recordUncertain(primary, t.epoch);
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
            session.recordUncertain(primary, epoch);
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
     * Commits a {@link #write} unit, which releases its fence lock and token (both transaction-local), and notes
     * the commit in the session, which learns its position later ({@link Session#recordCommitted}): no round trip
     * beyond the COMMIT. A failure that may have come after the commit (a connection error) makes the session read
     * the shard from the primary until a position read after it.
     */
    private static void commit(Connection c, ServerPool primary, Session session, ServerSample before, long epoch)
            throws SQLException {
        if (session != null && session.readsPositionOnCommit()) {
            commitWithPosition(c, primary, session, epoch);
            return;
        }
        try {
            c.commit();
        } catch (SQLException e) {
            if (session != null && mayHaveCommitted(e)) {
                session.recordUncertain(primary, epoch);
            }
            throw e;
        }
        if (session != null) {
            session.recordCommitted(primary, before, epoch);
        }
        c.setAutoCommit(true);                         // idle after the COMMIT: no round trip
    }

    /** Commits a {@link #write} unit and records its position, read on the COMMIT's round trip. */
    private static void commitWithPosition(Connection c, ServerPool primary, Session session, long epoch)
            throws SQLException {
        long ticket = session.positionTicket();
        try (PreparedStatement ps = c.prepareStatement(UNIT_COMMIT_SQL)) {   // server-prepared from the 5th use
            ps.execute();                              // the first result is the COMMIT's, the second the SELECT's
            if (!ps.getMoreResults()) {
                throw new SQLException("no result from " + UNIT_COMMIT_SQL);
            }
            try (ResultSet rs = ps.getResultSet()) {
                Position p = Position.of(rs);
                session.recordWrite(ticket, primary.shard, p.identity(), p.lsn(), epoch);
            }
            c.setAutoCommit(true);
        } catch (SQLException e) {
            if (mayHaveCommitted(e)) {
                session.recordUncertain(primary, epoch);
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
            Position p = Position.of(rs);
            session.recordWrite(ticket, primary.shard, p.identity(), p.lsn(), epoch);
        } catch (SQLException e) {
            LOG.warn("could not read the commit position on {}; the session reads it from the primary", primary.name,
                    e);
            session.recordUncertain(primary, epoch);
            throw e;     // the caller drops the connection: its token binding and fence lock must not stay
        }
    }

    /**
     * The primary's insert position now, read on a pooled connection: at or past every commit that returned before
     * the call. For a token that leaves the process with positions the poller has not sampled yet.
     */
    static Position readPosition(ServerPool primary) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            try (Connection c = primary.connection(); PreparedStatement ps = c.prepareStatement(POSITION_SQL);
                 ResultSet rs = ps.executeQuery()) {
                return Position.of(rs);
            } catch (SQLException e) {
                if (attempt > 0 || !WriteFence.isSessionEnded(e)) {
                    throw e;
                }
                primary.evictAll();        // a revoked lease: read on another connection
            }
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
