package io.ringroute.demo.social;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The tables every shard holds. Each row carries {@code token}, the ring token of the user it belongs to
 * ({@code KeyHash.token(userId)}), indexed, so that resharding moves a token range with one range scan.
 */
public final class Schema {
    /** The sharded tables and the column that holds their shard key. */
    public static final List<String> TABLES = List.of("users", "following", "followers", "posts", "likes");

    private static final List<String> DDL = List.of(
            "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, token BIGINT NOT NULL, name TEXT NOT NULL,"
                    + " bio TEXT NOT NULL, followers BIGINT NOT NULL DEFAULT 0,"
                    + " following BIGINT NOT NULL DEFAULT 0, posts BIGINT NOT NULL DEFAULT 0,"
                    + " version BIGINT NOT NULL DEFAULT 1)",
            "CREATE TABLE IF NOT EXISTS following (user_id TEXT NOT NULL, token BIGINT NOT NULL,"
                    + " followee TEXT NOT NULL, PRIMARY KEY (user_id, followee))",
            "CREATE TABLE IF NOT EXISTS followers (user_id TEXT NOT NULL, token BIGINT NOT NULL,"
                    + " follower TEXT NOT NULL, PRIMARY KEY (user_id, follower))",
            "CREATE TABLE IF NOT EXISTS posts (author TEXT NOT NULL, token BIGINT NOT NULL, id BIGINT NOT NULL,"
                    + " text TEXT NOT NULL, created_at BIGINT NOT NULL, likes BIGINT NOT NULL DEFAULT 0,"
                    + " PRIMARY KEY (author, id))",
            "CREATE TABLE IF NOT EXISTS likes (author TEXT NOT NULL, token BIGINT NOT NULL,"
                    + " post_id BIGINT NOT NULL, liker TEXT NOT NULL, PRIMARY KEY (author, post_id, liker))",
            "CREATE INDEX IF NOT EXISTS users_token ON users (token)",
            "CREATE INDEX IF NOT EXISTS following_token ON following (token)",
            "CREATE INDEX IF NOT EXISTS followers_token ON followers (token)",
            "CREATE INDEX IF NOT EXISTS posts_token ON posts (token)",
            "CREATE INDEX IF NOT EXISTS likes_token ON likes (token)");

    private Schema() {
    }

    /** Creates the tables if they are missing; safe to run on every start. */
    public static void apply(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String ddl : DDL) {
                st.execute(ddl);
            }
        }
    }
}
