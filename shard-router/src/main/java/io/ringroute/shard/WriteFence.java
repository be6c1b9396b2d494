package io.ringroute.shard;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The write gate on each shard primary that makes online resharding safe with any number of routers: every
 * routed write unit holds a shared advisory lock from before its first statement until after its commit, and is
 * refused unless the router's topology epoch is at least the shard's minimum epoch. The resharder takes the lock
 * exclusively for a cutover (so no write unit is in flight), raises the minimum epoch, copies the last changes and
 * publishes the new epoch in the catalog before it lets go: a router that has not seen the new epoch cannot write
 * to the shard that lost the range. Lives in schema {@value #SCHEMA} of every shard database.
 *
 * <p>A unit waits for the gate at most the router's fence wait ({@code lock_timeout}, SQLSTATE
 * {@value #GATE_TIMEOUT_STATE}, or {@value #UNIT_GATE_TIMEOUT_STATE} for a {@code write(...)} unit), so a cutover
 * that stalls holds writers for a bounded time. A write scope holds a session-level lock ({@code enter_write},
 * released by {@link #EXIT_SQL}); a {@code write(...)} unit a transaction-level one ({@link #ENTER_UNIT_SQL}).
 *
 * <p>The minimum epoch is a sequence, not a table row, because sequences are read outside MVCC snapshots: a
 * write unit that waited for the lock sees the raised value whatever its isolation level.
 *
 * <p>Write leases ({@code CatalogSpec.writeLeases}): a pooled connection whose unit passed the gate may take a
 * session-level shared lock on {@link #LEASE_KEY}, and from then on its units skip the gate (no lock, no epoch
 * read). That is safe because a lease is only taken while the gate is held shared by a unit whose epoch the shard
 * accepted, and a cutover takes the lease key exclusively ({@link #revokeLeases}) before the gate and holds it until
 * the cutover is published, so no leased unit runs on the shard from then on. It waits for the key outside the
 * gate: routers release their leases when the catalog shows the shard being fenced, and a unit that passes the gate
 * meanwhile on a connection that still holds one (its router had not seen it yet) is not held up by the cutover
 * that waits for that very lease. The cutover ends the sessions of leased connections idle for longer than a grace
 * (a stopped router's); their router finds them closed and runs the unit again on a fresh one, which passes the gate.
 *
 * <p>Advisory lock keys of ringroute, {@link #LOCK_KEY} plus: 1 the fence installer, 2 the resharder (on the
 * catalog), 3 the catalog set-up, 4 the change-capture installer, 5 the write leases.
 */
public final class WriteFence {

    /** The per-shard schema of ringroute's own objects. */
    public static final String SCHEMA = "ringroute";
    /** The advisory lock key of the write gate (the bytes of "ringrout"). */
    public static final long LOCK_KEY = 0x72696e67726f7574L;
    /** The advisory lock key of write leases (see the class comment). */
    public static final long LEASE_KEY = LOCK_KEY + 5;
    /** SQLSTATE of a write refused because the router's epoch is older than the shard's minimum. */
    public static final String REFUSED_STATE = "RR001";

    /** A write scope's entry, before its statements. Arguments: the router's epoch, the key's token, the wait (ms). */
    static final String ENTER_SQL = "SELECT " + SCHEMA + ".enter_write(?, ?, ?)";
    /**
     * A {@code write(...)} unit's entry, inside its transaction: a transaction-level lock and token, so its
     * COMMIT or rollback releases both and the entry can ride on the unit's first statement. In the common case
     * (the gate is free, the epoch is new enough) it is one plain expression, which the server plans once per
     * connection; otherwise {@code enter_unit} waits for the gate, refuses, or binds the token. The CASE takes the
     * lock before it reads the minimum epoch. Arguments: the router's epoch, the key's token, the router's epoch,
     * the key's token, the fence wait (ms). Public for the benchmark of its cost (FenceEntryCostBenchmark).
     */
    public static final String ENTER_UNIT_SQL = "SELECT CASE WHEN CASE WHEN pg_try_advisory_xact_lock_shared(" + LOCK_KEY
            + ") THEN coalesce(pg_sequence_last_value('" + SCHEMA + ".min_epoch'), 0) <= ? END"
            + " THEN set_config('ringroute.token', ?, true) ELSE " + SCHEMA + ".enter_unit(?, ?, ?)::text END";
    static final int ENTER_UNIT_PARAMETERS = 5;
    /**
     * SQLSTATE of a unit's entry that waited longer than the fence wait: not 55P03, which the unit's own first
     * statement, run in the same round trip, may raise for a lock of its own.
     */
    static final String UNIT_GATE_TIMEOUT_STATE = "RR002";
    /** SQLSTATE of a unit that waited longer than its lock timeout for the gate (lock_not_available). */
    static final String GATE_TIMEOUT_STATE = "55P03";
    /** Resets the key's token bound by {@code enter_write}: a pooled connection must not carry it to its next unit. */
    static final String UNBIND_TOKEN = "set_config('ringroute.token', '', false)";
    static final String EXIT_COLUMNS = "pg_advisory_unlock_shared(" + LOCK_KEY + "), " + UNBIND_TOKEN;
    static final String EXIT_SQL = "SELECT " + EXIT_COLUMNS;

    /** Takes a lease: run inside a unit that has passed the gate, before its commit. */
    static final String TAKE_LEASE_SQL = "SELECT pg_try_advisory_lock_shared(" + LEASE_KEY + ")";
    private static final String LEASE_HOLDERS = " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            + " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = '" + (LEASE_KEY >>> 32) + "'::oid"
            + " AND l.objid = '" + (LEASE_KEY & 0xffffffffL) + "'::oid AND l.objsubid = 1"
            + " AND a.pid <> pg_backend_pid()";
    /**
     * Ends the sessions that hold a lease and have sat idle outside a transaction for longer than the grace (a
     * parameter, in ms, given twice): their router did not release them when told of the cutover (it is stopped,
     * or cut off from the catalog). One that sends a unit just then fails it at its first statement, or commits it
     * before the cutover has the lease key, whose catch-up then copies it. Also returns how long the longest idle
     * holder left has been idle (ms), which says when the next one could be a straggler.
     */
    private static final String END_STRAGGLERS_SQL = "SELECT count(CASE WHEN a.state = 'idle' AND a.state_change"
            + " < now() - make_interval(secs => ? / 1000.0) THEN pg_terminate_backend(a.pid) END),"
            + " coalesce(max(extract(epoch FROM now() - a.state_change) * 1000) FILTER (WHERE a.state = 'idle'"
            + " AND a.state_change >= now() - make_interval(secs => ? / 1000.0)), 0)::bigint" + LEASE_HOLDERS;
    private static final String RELEASE_REVOKED_SQL = "SELECT pg_advisory_unlock(" + LEASE_KEY + ")";
    /** The shortest wait of {@link #revokeLeases} for the key between two looks for stragglers. */
    private static final long MIN_REVOKE_WAIT_MILLIS = 10;

    private static final String[] DDL = {
        "CREATE SCHEMA IF NOT EXISTS " + SCHEMA,
        "CREATE SEQUENCE IF NOT EXISTS " + SCHEMA + ".min_epoch MINVALUE 0 START 0",
        "CREATE OR REPLACE FUNCTION " + SCHEMA + ".enter_write(router_epoch bigint, token text, wait_ms int)"
            + " RETURNS void LANGUAGE plpgsql AS $$\n"
            + "DECLARE required bigint;\n"
            + "BEGIN\n"
            // local to the statement's own transaction (the unit enters with autocommit on)
            + "  PERFORM set_config('lock_timeout', wait_ms || 'ms', true);\n"
            + "  PERFORM pg_advisory_lock_shared(" + LOCK_KEY + ");\n"
            + "  SELECT last_value INTO required FROM " + SCHEMA + ".min_epoch;\n"
            + "  IF required > router_epoch THEN\n"
            + "    PERFORM pg_advisory_unlock_shared(" + LOCK_KEY + ");\n"
            + "    RAISE EXCEPTION 'ringroute: this shard takes writes from topology epoch % on, the router is at %',"
            + " required, router_epoch USING ERRCODE = '" + REFUSED_STATE + "';\n"
            + "  END IF;\n"
            + "  PERFORM set_config('ringroute.token', token, false);\n"
            + "END $$",
        "CREATE OR REPLACE FUNCTION " + SCHEMA + ".enter_unit(router_epoch bigint, token text, wait_ms int)"
            + " RETURNS void LANGUAGE plpgsql AS $$\n"
            + "DECLARE required bigint; saved text;\n"
            + "BEGIN\n"
            // the gate is free but during a cutover: no lock_timeout to set and restore, no subtransaction
            + "  IF NOT pg_try_advisory_xact_lock_shared(" + LOCK_KEY + ") THEN\n"
            + "    saved := current_setting('lock_timeout');\n"
            + "    PERFORM set_config('lock_timeout', wait_ms || 'ms', true);\n"
            + "    BEGIN\n"
            + "      PERFORM pg_advisory_xact_lock_shared(" + LOCK_KEY + ");\n"
            + "    EXCEPTION WHEN lock_not_available THEN\n"
            + "      RAISE EXCEPTION 'ringroute: waited % ms for the write gate', wait_ms"
            + " USING ERRCODE = '" + UNIT_GATE_TIMEOUT_STATE + "';\n"
            + "    END;\n"
            + "    PERFORM set_config('lock_timeout', saved, true);   -- the unit's own statements keep theirs\n"
            + "  END IF;\n"
            + "  SELECT last_value INTO required FROM " + SCHEMA + ".min_epoch;\n"
            + "  IF required > router_epoch THEN\n"
            + "    RAISE EXCEPTION 'ringroute: this shard takes writes from topology epoch % on, the router is at %',"
            + " required, router_epoch USING ERRCODE = '" + REFUSED_STATE + "';\n"
            + "  END IF;\n"
            + "  PERFORM set_config('ringroute.token', token, true);\n"
            + "END $$"
    };

    private WriteFence() {
    }

    /** Creates the gate's schema, sequence and function on a shard primary if missing (idempotent, race-safe). */
    public static void install(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(" + (LOCK_KEY + 1) + ")");   // serializes concurrent installers
            for (String ddl : DDL) {
                st.execute(ddl);
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** Raises the shard's minimum epoch (never lowers it); takes effect at once, outside any transaction. */
    public static void raiseMinimumEpoch(Connection c, long epoch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT setval('" + SCHEMA + ".min_epoch', ?) FROM "
                + SCHEMA + ".min_epoch WHERE last_value < ?")) {
            ps.setLong(1, epoch);
            ps.setLong(2, epoch);
            ps.execute();
        }
    }

    /** The shard's minimum epoch, or 0 if the fence is not installed there. */
    public static long minimumEpoch(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery("SELECT CASE WHEN"
                + " to_regclass('" + SCHEMA + ".min_epoch') IS NULL THEN 0 ELSE (SELECT last_value FROM " + SCHEMA
                + ".min_epoch) END")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Revokes every write lease on the shard: takes the lease key exclusively (session-level, until {@link
     * #releaseRevoked}) within {@code timeout}, ending the sessions of lease holders idle longer than {@code grace}
     * on the way. Returns false if sessions still held a lease then. Run before the gate is taken: while this
     * waits, routers' attempts to take a lease fail (a waiting exclusive request conflicts with them), so it only
     * waits for leases held already, which routers release when they learn of the cutover. Ending sessions needs the
     * right to (a superuser, a role granted pg_signal_backend, or the routers' own role).
     */
    public static boolean revokeLeases(Connection c, Duration timeout, Duration grace) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (PreparedStatement end = c.prepareStatement(END_STRAGGLERS_SQL)) {
            end.setLong(1, grace.toMillis());
            end.setLong(2, grace.toMillis());
            while (true) {
                // one request waits until a holder could have become a straggler: routers' attempts to take a
                // lease fail only while it waits
                long untilNextStraggler = grace.toMillis() - longestIdleHolder(end);
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                long wait = Math.max(1, Math.min(Math.max(untilNextStraggler, MIN_REVOKE_WAIT_MILLIS), left));
                if (lockExclusively(c, LEASE_KEY, wait)) {
                    return true;
                }
                if (left <= wait) {
                    return false;
                }
            }
        }
    }

    /** Ends the stragglers; returns how long the longest idle holder left has been idle (ms). */
    private static long longestIdleHolder(PreparedStatement end) throws SQLException {
        try (ResultSet rs = end.executeQuery()) {
            rs.next();
            return rs.getLong(2);
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                throw new SQLException("a router that holds write leases on this shard did not release them, and"
                        + " ending its sessions needs the right to (a superuser, or a role granted"
                        + " pg_signal_backend): " + e.getMessage(), e.getSQLState(), e);
            }
            throw e;
        }
    }

    /**
     * Takes an advisory lock exclusively (session-level), waiting at most {@code timeoutMillis}, in one round trip:
     * the three statements run as one implicit transaction, so a timeout also rolls the {@code SET} back. Returns
     * false on a lock or statement timeout.
     */
    public static boolean lockExclusively(Connection c, long key, long timeoutMillis) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET lock_timeout = '" + timeoutMillis + "ms'; SELECT pg_advisory_lock(" + key
                    + "); SET lock_timeout = 0");
            return true;
        } catch (SQLException e) {
            if (GATE_TIMEOUT_STATE.equals(e.getSQLState()) || "57014".equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    /** Lets routers take leases again after {@link #revokeLeases} returned true. */
    public static void releaseRevoked(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(RELEASE_REVOKED_SQL);
        }
    }

    /** Whether a failure is the end of a session by another one (a cutover revoking a lease): SQLSTATE 57P01. */
    static boolean isSessionEnded(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && "57P01".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    static boolean isRefusal(SQLException e) {
        return REFUSED_STATE.equals(e.getSQLState());
    }
}
