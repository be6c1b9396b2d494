package io.ringroute.shard;

import io.ringroute.ring.KeyHash;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads at a consistency level: on a replica that qualifies (chosen from the poller's samples, re-checked after
 * borrowing its connection), optionally after waiting for it to replay the session's writes, else on the primary.
 * Replica reads that fail because the replica is gone or a recovery conflict canceled them run again on the primary.
 */
final class ReadPath {

    private static final Logger LOG = LoggerFactory.getLogger(ReadPath.class);

    private static final String REPLAY_SQL = "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint";
    private static final Object NOT_SERVED = new Object();

    private final RouterTopology topology;
    private final long sessionWaitNanos;

    ReadPath(RouterTopology topology, Duration sessionWait) {
        this.topology = topology;
        this.sessionWaitNanos = sessionWait.toNanos();
    }

    <T> T read(Session session, String key, Consistency consistency, ShardWork<T> work) throws SQLException {
        requireSession(consistency, session);
        topology.catchUpWith(session);
        return readOn(topology.table().shardFor(KeyHash.token(key)), consistency, session, work);
    }

    /**
     * Reads on a qualifying replica, else on the primary. A replica read that fails because the replica is gone
     * (which takes it out of rotation) or was canceled by a recovery conflict (SQLSTATE 40001: the replica is
     * healthy and stays in rotation) is run again on the primary, so neither reaches the caller.
     */
    <T> T readOn(ShardServers shard, Consistency consistency, Session session, ShardWork<T> work)
            throws SQLException {
        ConsistencyToken token = session == null ? null : session.routingToken();
        ServerPool replica = shard.replicaFor(consistency, token);
        FallbackReason why = null;
        if (replica != null) {
            try (Connection c = replica.connection()) {
                if (shard.stillQualifies(replica, consistency, token)) {   // c may be the first to a restarted server
                    T result = work.apply(c);
                    replica.reads.increment();
                    return result;
                }
            } catch (SQLException e) {
                why = retryOnPrimaryOrThrow(replica, e);
            }
        } else if (sessionWaitNanos > 0 && consistency.level() == Consistency.Level.SESSION) {
            Object served = readAfterCatchUp(shard, session, work);
            if (served != NOT_SERVED) {
                @SuppressWarnings("unchecked")
                T result = (T) served;
                return result;
            }
        }
        if (consistency.level() != Consistency.Level.STRONG) {
            shard.fallback(why != null ? why : shard.whyNoReplica());
        }
        return runRead(shard.primary, work);
    }

    /**
     * A connection for a read scope: a qualifying replica's, falling back to the primary's. What runs on it is the
     * application's, so errors on it (a recovery conflict included) reach the application as they are.
     */
    Connection openReadConnection(ShardScope s) throws SQLException {
        ShardServers shard = topology.table().shardFor(s.token);
        ConsistencyToken token = s.session == null ? null : s.session.routingToken();
        ServerPool replica = shard.replicaFor(s.consistency, token);
        FallbackReason why = null;
        if (replica != null) {
            try {
                Connection c = replica.connection();
                if (shard.stillQualifies(replica, s.consistency, token)) {
                    replica.reads.increment();
                    return c;
                }
                ServerPool.closeQuietly(c);
            } catch (ShardUnavailableException e) {
                markDownUnlessBusy(replica, e);
                why = failedReplica(e);
            }
        }
        if (s.consistency.level() != Consistency.Level.STRONG) {
            shard.fallback(why != null ? why : shard.whyNoReplica());
        }
        Connection c = shard.primary.connection();
        shard.primary.reads.increment();
        return c;
    }

    static void requireSession(Consistency consistency, Session session) {
        if (consistency == null) {
            throw new IllegalArgumentException("consistency must not be null");
        }
        if (consistency.level() == Consistency.Level.SESSION && session == null) {
            throw new IllegalArgumentException("SESSION reads need a Session: use router.session(...).read(...)");
        }
    }

    /**
     * After a replica read failed: why the read may run on the primary instead (the replica is gone, and is taken
     * out of rotation unless merely busy; or a recovery conflict canceled the read), else throws.
     */
    private static FallbackReason retryOnPrimaryOrThrow(ServerPool replica, SQLException e) throws SQLException {
        if (ServerPool.isRecoveryConflict(e)) {
            LOG.debug("a read on {} was canceled by a recovery conflict; it runs on the primary", replica.name);
            return FallbackReason.REPLICA_CONFLICT;
        }
        if (!DirectConnections.isConnectionFailure(e)) {
            throw e;
        }
        markDownUnlessBusy(replica, e);
        return failedReplica(e);
    }

    private static FallbackReason failedReplica(SQLException e) {
        return e instanceof ShardPoolExhaustedException ? FallbackReason.REPLICA_BUSY
                : FallbackReason.REPLICA_UNREACHABLE;
    }

    /** A busy replica is healthy: the read falls back to the primary, but the replica stays in rotation. */
    private static void markDownUnlessBusy(ServerPool replica, SQLException e) {
        if (!(e instanceof ShardPoolExhaustedException)) {
            replica.markDown(e.getMessage());
        }
    }

    /**
     * Runs a read on a pooled connection; once more on another if the server had ended the session (a cutover
     * revoking write leases ends a primary's leased connections: WriteFence, "Write leases").
     */
    private static <T> T runRead(ServerPool server, ShardWork<T> work) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            try (Connection c = server.connection()) {
                T result = work.apply(c);
                server.reads.increment();
                return result;
            } catch (SQLException e) {
                if (attempt == 0 && WriteFence.isSessionEnded(e) && !(e instanceof ShardUnavailableException)) {
                    server.evictAll();
                    continue;
                }
                throw server.role == Role.PRIMARY && DirectConnections.isConnectionFailure(e)
                        && !(e instanceof ShardUnavailableException) ? server.unavailable(e) : e;
            }
        }
    }

    /**
     * Waits up to the session wait for the session's position on the shard to be known (its last write there
     * resolved by the poller) and for a replica to replay it, then reads there.
     */
    private Object readAfterCatchUp(ShardServers shard, Session session, ShardWork<?> work) throws SQLException {
        long deadline = System.nanoTime() + sessionWaitNanos;
        ConsistencyToken token;
        try {
            token = session.awaitResolved(shard.name, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return NOT_SERVED;
        }
        ServerPool replica = shard.replicaToWaitOn(token);
        if (replica == null) {
            return NOT_SERVED;
        }
        long required = Math.max(token.lsnAt(token.indexOf(shard.name)), shard.floorLsn);
        try (Connection c = replica.connection(); PreparedStatement ps = c.prepareStatement(REPLAY_SQL)) {
            while (true) {
                long replayed;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    replayed = rs.getLong(1);
                }
                if (Long.compareUnsigned(replayed, required) >= 0) {
                    Object result = work.apply(c);
                    replica.reads.increment();
                    return result;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return NOT_SERVED;
                }
                Thread.sleep(Math.max(1, Math.min(5, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return NOT_SERVED;
        } catch (SQLException e) {
            retryOnPrimaryOrThrow(replica, e);
            return NOT_SERVED;
        }
    }
}
