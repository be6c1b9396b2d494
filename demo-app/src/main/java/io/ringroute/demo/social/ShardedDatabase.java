package io.ringroute.demo.social;

import java.util.List;

/**
 * The sharded database as the social domain sees it: every call names the user whose shard it runs on. Writes
 * run in one transaction on that shard's primary and advance the session's consistency token; reads may go to a
 * replica that has replayed everything the session wrote (or any replica, for a session that wrote nothing).
 */
public interface ShardedDatabase {
    /** The name of the shard that owns the user's rows now (a resharding can change it). */
    String shardOf(Handle user);

    <T> T write(Handle user, Session session, SqlWork<T> work);

    <T> T read(Handle user, Session session, SqlWork<T> work);

    /**
     * Runs each read as {@link #read} would, on the shard of its user, at the same time: a batch that spans the
     * shards costs its slowest shard's read, not the sum of them. Returns the results in the order of
     * {@code reads}; if any read fails, the call fails with that read's error once the others have finished.
     */
    <T> List<T> readEach(List<Read<T>> reads, Session session);

    /** Runs the same read on every shard (for the rare cross-shard question) and returns the results in shard order. */
    <T> List<T> everyShard(SqlWork<T> work);

    /** A read on the shard that owns {@code user}. */
    record Read<T>(Handle user, SqlWork<T> work) {
    }
}
