package io.ringroute.shard;

import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collector;

/**
 * A caller's session: reads with {@link Consistency#SESSION} see every write made through it. Holds a
 * {@link ConsistencyToken}; hand {@link #token()} to a client (as a string) and rebuild the session from it on the
 * next request with {@link ShardRouter#session(String)}, on any router instance. Thread-safe.
 */
public final class Session {

    private final ShardRouter router;
    private volatile ConsistencyToken token;
    private long tickets;                                          // guarded by this
    private final Map<String, Long> uncertainSince = new HashMap<>();   // shard -> ticket; guarded by this

    Session(ShardRouter router, ConsistencyToken token) {
        this.router = router;
        this.token = token;
    }

    /** What this session has written so far; its {@code toString()} is the portable form. */
    public ConsistencyToken token() {
        return token;
    }

    /** Runs {@code work} in a transaction on the key's primary and remembers the commit's position. */
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
     * A number to take right before reading a commit position, and to pass to {@link #recordWrite}: it orders that
     * read against commits of other threads of this session whose position could not be read.
     */
    synchronized long positionTicket() {
        return ++tickets;
    }

    /**
     * Records a commit position read after {@code ticket} was taken. A position read before an uncertain commit
     * on the shard was noted ({@link #recordUncertain}) may be older than that commit, so it does not end the
     * uncertainty: the shard's reads stay on the primary until a position read after it.
     */
    synchronized void recordWrite(long ticket, String shard, ServerIdentity identity, long lsn, long epoch) {
        Long since = uncertainSince.get(shard);
        if (since != null && ticket < since) {
            token = token.withUncertainWrite(shard, epoch);
            return;
        }
        uncertainSince.remove(shard);
        token = token.withWrite(shard, identity, lsn, epoch);
    }

    /**
     * Notes a unit on the shard that may have committed at a position nobody read (its connection broke, its
     * commit failed with a connection error): this session reads the shard from the primary until the next commit
     * position read after now.
     */
    synchronized void recordUncertain(String shard, long epoch) {
        uncertainSince.put(shard, ++tickets);
        token = token.withUncertainWrite(shard, epoch);
    }

    @Override
    public String toString() {
        return "Session{" + token + "}";
    }
}
