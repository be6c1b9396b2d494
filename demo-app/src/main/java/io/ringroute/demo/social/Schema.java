package io.ringroute.demo.social;

import io.ringroute.shard.catalog.ShardedTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The tables every shard holds. Each is registered with the shard router as a sharded table keyed by a user id:
 * its {@code ring_token} column (added by {@link ShardedTable#addTokenColumn}) defaults to the ring token the
 * router binds to each write connection, and is indexed, so resharding moves a token range with one range scan.
 */
public final class Schema {
    /** The sharded tables, their user-id column and primary key. */
    public static final List<ShardedTable> TABLES = List.of(
            ShardedTable.of("users", "id", "id"),
            ShardedTable.of("following", "user_id", "user_id", "followee"),
            ShardedTable.of("followers", "user_id", "user_id", "follower"),
            ShardedTable.of("posts", "author", "author", "id"),
            ShardedTable.of("likes", "author", "author", "post_id", "liker"));

    private static final List<String> DDL = List.of(
            "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT NOT NULL, bio TEXT NOT NULL,"
                    + " followers BIGINT NOT NULL DEFAULT 0, following BIGINT NOT NULL DEFAULT 0,"
                    + " posts BIGINT NOT NULL DEFAULT 0, version BIGINT NOT NULL DEFAULT 1)",
            "CREATE TABLE IF NOT EXISTS following (user_id TEXT NOT NULL, followee TEXT NOT NULL,"
                    + " PRIMARY KEY (user_id, followee))",
            "CREATE TABLE IF NOT EXISTS followers (user_id TEXT NOT NULL, follower TEXT NOT NULL,"
                    + " PRIMARY KEY (user_id, follower))",
            "CREATE TABLE IF NOT EXISTS posts (author TEXT NOT NULL, id BIGINT NOT NULL, text TEXT NOT NULL,"
                    + " created_at BIGINT NOT NULL, likes BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (author, id))",
            "CREATE TABLE IF NOT EXISTS likes (author TEXT NOT NULL, post_id BIGINT NOT NULL, liker TEXT NOT NULL,"
                    + " PRIMARY KEY (author, post_id, liker))");

    private Schema() {
    }

    /** Creates the tables and their token columns if they are missing; safe to run on every start. */
    public static void apply(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String ddl : DDL) {
                st.execute(ddl);
            }
        }
        for (ShardedTable t : TABLES) {
            t.addTokenColumn(c);
        }
    }
}
