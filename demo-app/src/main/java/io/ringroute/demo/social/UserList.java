package io.ringroute.demo.social;

/**
 * The per-user lists cached with the user's version, and the one statement that reads each with that version
 * (one statement: one snapshot, even on a replica).
 */
enum UserList {
    FOLLOWING("following", "SELECT u.version, ARRAY(SELECT f.followee FROM following f WHERE f.user_id = u.id"
            + " ORDER BY f.followee LIMIT ?) FROM users u WHERE u.id = ?", Social.MAX_FOLLOWING),
    /** The user's newest post refs. */
    RECENT("recent", "SELECT u.version, ARRAY(SELECT p.id::text FROM posts p WHERE p.author = u.id"
            + " ORDER BY p.id DESC LIMIT ?) FROM users u WHERE u.id = ?", Social.RECENT_POSTS);

    private final String cacheKey;
    private final String sql;
    private final int limit;

    UserList(String cacheKey, String sql, int limit) {
        this.cacheKey = cacheKey;
        this.sql = sql;
        this.limit = limit;
    }

    String cacheKey() {
        return cacheKey;
    }

    String sql() {
        return sql;
    }

    int limit() {
        return limit;
    }
}
