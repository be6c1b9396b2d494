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

    /** Runs the same read on every shard (for the rare cross-shard question) and returns the results in shard order. */
    <T> List<T> everyShard(SqlWork<T> work);
}
