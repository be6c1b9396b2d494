package io.ringroute.shard;

import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A caller's session: reads with {@link Consistency#SESSION} see every write made through it. Holds a
 * {@link ConsistencyToken}; hand {@link #token()} to a client (as a string) and rebuild the session from it on the
 * next request with {@link ShardRouter#session(String)}, on any router instance. Thread-safe.
 *
 * <p>A {@link #write} does not read its commit's position: that would be a statement of its own after the COMMIT.
 * Until the position is known the shard is unresolved, and the session reads it from the primary. The router's
 * poller resolves it: the first sample of the shard's primary whose poll started after the commit returned has an
 * insert LSN at or past the commit record, and it becomes the shard's position provided that sample comes from the
 * same server (identity and incarnation) as the sample taken before the write; otherwise only the primary is safe
 * until an exact position is read. {@link #token()} reads the exact position of every shard still unresolved, so
 * a token that leaves the process never under-states a write.
 */
public final class Session {

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    private final ShardRouter router;
    /** What reads route by: every unresolved shard is uncertain in it, so only its primary serves it. */
    private volatile ConsistencyToken token;
    /** {@code unresolved.size()}, read without the lock by every read. */
    private volatile int unresolvedCount;
    private volatile boolean positionOnCommit;
    private final Map<String, Unresolved> unresolved = new HashMap<>();   // by shard; guarded by this

    /**
     * A shard's writes whose position the token does not have yet, summed up by the newest: a position read (or a
     * poll started) after {@link #sinceNanos} covers all of them. Updated in place by the shard's next writes while
     * unresolved, so a session that only writes allocates nothing per write. Guarded by the session.
     */
    private static final class Unresolved {
        final ServerPool primary;
        /** The primary's sample before the writes: a later sample resolves them only from the same server. */
        ServerSample before;
        long sinceNanos;
        /**
         * Whether the newest write is known to have committed when {@link #sinceNanos} was taken. False after a
         * connection failure: the server may commit later than the client noticed, so neither a poll nor an
         * export's query settles it; only a position read after a later write does.
         */
        boolean committed;

        Unresolved(ServerPool primary) {
            this.primary = primary;
        }
    }

    Session(ShardRouter router, ConsistencyToken token) {
        this.router = router;
        this.token = token;
    }

    /**
     * What this session has written so far, exact: shards whose writes the poller has not resolved yet have their
     * position read from their primaries now (one query each). Its {@code toString()} is the portable form. A shard
     * whose position cannot be read is uncertain in it: the token's readers read that shard from the primary.
     */
    public ConsistencyToken token() {
        for (Unresolved u : committedUnresolved()) {
            long ticket = positionTicket();
            try {
                WritePath.Position p = WritePath.readPosition(u.primary);
                recordWrite(ticket, u.primary.shard, p.identity(), p.lsn(), 0);
            } catch (SQLException e) {
                LOG.warn("could not read the position of the session's writes on {}; the token names it uncertain,"
                        + " so its readers read it from the primary", u.primary.name, e);
            }
        }
        return token;
    }

    /** What a read routes by: the token with every shard the poller can resolve by now resolved. Lock-free if none. */
    ConsistencyToken routingToken() {
        if (unresolvedCount != 0) {
            resolveFromSamples();
        }
        return token;
    }

    /**
     * The routing token once the shard's unresolved write is resolved, waiting for the poller's next sample of its
     * primary until {@code deadlineNanos}; at once if nothing on the shard is waiting for a sample (resolved, or
     * only an exact position can resolve it). For a SESSION read allowed to wait rather than use the primary.
     */
    ConsistencyToken awaitResolved(String shard, long deadlineNanos) throws InterruptedException {
        while (true) {
            ConsistencyToken t = routingToken();
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || !awaitsSample(shard)) {
                return t;
            }
            Thread.sleep(Math.max(1, Math.min(5, TimeUnit.NANOSECONDS.toMillis(left))));
        }
    }

    /** Whether the shard has a write the poller's next sample of its primary may resolve. */
    private synchronized boolean awaitsSample(String shard) {
        Unresolved u = unresolved.get(shard);
        return u != null && u.committed && u.before != null && u.primary.sample.polledNanos() - u.sinceNanos <= 0;
    }

    /**
     * Makes this session's writes read their commit positions on the COMMIT's own round trip (a statement more
     * there) rather than learn them from the poller: for a session whose {@link #token()} is exported after every
     * write, as a web request that carries the token in a cookie does, where each export would otherwise pay a
     * query of its own. Returns this session.
     */
    public Session positionOnCommit() {
        positionOnCommit = true;
        return this;
    }

    boolean readsPositionOnCommit() {
        return positionOnCommit;
    }

    /** Runs {@code work} in a transaction on the key's primary; the session's reads then see it. */
    public <T> T write(String key, ShardWork<T> work) throws SQLException {
        return router.write(this, key, work);
    }

    public <T> T read(String key, Consistency consistency, ShardWork<T> work) throws SQLException {
        return router.read(this, key, consistency, work);
    }

    /** Same as {@link ShardRouter#scatterGather}, with SESSION reads allowed. */
    public <T, R> R scatterGather(Consistency consistency, Duration timeout, ShardWork<T> work,
                                  Collector<? super T, ?, R> merge) throws SQLException {
        return router.scatterGather(this, consistency, timeout, work, merge);
    }

    /** Binds the key's primary, for this session, to {@link ShardRouter#dataSource()} on this thread. */
    public ShardScope writeScope(String key) {
        return router.bind(key, null, this);
    }

    /** Binds a read of the key at this consistency, for this session, to {@link ShardRouter#dataSource()}. */
    public ShardScope readScope(String key, Consistency consistency) {
        return router.bind(key, consistency, this);
    }

    /**
     * A time to take right before reading a commit position, and to pass to {@link #recordWrite}: it orders that
     * read against this session's writes of other threads whose position is not known. A {@link System#nanoTime()},
     * so that it also orders against the poller's samples ({@link ServerSample#polledNanos()}).
     */
    long positionTicket() {
        return System.nanoTime();
    }

    /**
     * Records a commit position read after {@code ticket} was taken. A position read before a write of the shard
     * whose position is unknown was noted ({@link #recordCommitted}, {@link #recordUncertain}) may be older than
     * that write, so it does not resolve it: the shard's reads stay on the primary until a position read after it.
     */
    synchronized void recordWrite(long ticket, String shard, ServerIdentity identity, long lsn, long epoch) {
        Unresolved u = unresolved.get(shard);
        if (u != null && u.sinceNanos - ticket >= 0) {
            token = token.withUncertainWrite(shard, epoch);
            return;
        }
        resolved(shard);
        token = token.withWrite(shard, identity, lsn, epoch);
    }

    /**
     * Notes a unit on the primary that committed just now, {@code before} being the primary's sample from before
     * the unit ran: the shard's reads go to the primary until its position is known ({@link #routingToken}).
     */
    synchronized void recordCommitted(ServerPool primary, ServerSample before, long epoch) {
        note(primary, before, true);
        token = token.withUncertainWrite(primary.shard, epoch);
    }

    /**
     * Notes a unit on the primary that may have committed at a position nobody read (its connection broke, its
     * commit failed with a connection error): this session reads the shard from the primary until the next commit
     * position read after now.
     */
    synchronized void recordUncertain(ServerPool primary, long epoch) {
        note(primary, null, false);
        token = token.withUncertainWrite(primary.shard, epoch);
    }

    /**
     * Makes a write noted now the shard's newest unresolved one: a position read (or a poll started) after now
     * covers it and every older one, which it replaces. The older writes may have run on another server than
     * {@code before} describes (a failover between them): a position of the server that is the primary now covers
     * whatever of them that server has, which is all a read of the primary would see.
     */
    private void note(ServerPool primary, ServerSample before, boolean committed) {
        Unresolved u = unresolved.get(primary.shard);
        if (u == null) {
            u = new Unresolved(primary);
            unresolved.put(primary.shard, u);
            unresolvedCount = unresolved.size();
        }
        u.before = before;
        u.sinceNanos = System.nanoTime();
        u.committed = committed;
    }

    /** Resolves each unresolved shard whose primary has been sampled since, by the same server. */
    private synchronized void resolveFromSamples() {
        for (Iterator<Map.Entry<String, Unresolved>> it = unresolved.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Unresolved> e = it.next();
            Unresolved u = e.getValue();
            ServerSample s = u.primary.sample;
            if (u.committed && u.before != null && s.polledNanos() - u.sinceNanos > 0 && s.sameServerAs(u.before)) {
                token = token.withWrite(e.getKey(), s.identity(), s.lsn(), 0);
                it.remove();
            }
        }
        unresolvedCount = unresolved.size();
    }

    private void resolved(String shard) {
        unresolved.remove(shard);
        unresolvedCount = unresolved.size();
    }

    /** The shards whose writes committed but are unresolved after the poller's samples, to read exactly. */
    private synchronized List<Unresolved> committedUnresolved() {
        if (unresolvedCount == 0) {
            return List.of();
        }
        resolveFromSamples();
        return unresolved.values().stream().filter(u -> u.committed).toList();
    }

    @Override
    public String toString() {
        return "Session{" + token + "}";
    }
}
