package io.ringroute.demo.social;

/**
 * The per-user lists cached with the user's version, and the one statement that reads each with that version for
 * any number of users of one shard (one statement: one snapshot, even on a replica).
 */
enum UserList {
    FOLLOWING("following", "ARRAY(SELECT f.followee FROM following f WHERE f.user_id = u.id ORDER BY f.followee"
            + " LIMIT ?)", Social.MAX_FOLLOWING),
    /** The user's newest post refs. */
    RECENT("recent", "ARRAY(SELECT p.id::text FROM posts p WHERE p.author = u.id ORDER BY p.id DESC LIMIT ?)",
            Social.RECENT_POSTS);

    private final String cacheKey;
    private final String items;
    private final String sql;
    private final int limit;

    UserList(String cacheKey, String items, int limit) {
        this.cacheKey = cacheKey;
        this.items = items;
        this.sql = "SELECT u.id, u.version, " + items + " FROM users u WHERE u.id = ANY (?)";
        this.limit = limit;
    }

    String cacheKey() {
        return cacheKey;
    }

    /** Parameters: the limit, then the user ids as a text array; columns: id, version, the list. */
    String sql() {
        return sql;
    }

    /** The list as a column of a query on {@code users u}; its one parameter is the limit. */
    String items() {
        return items;
    }

    int limit() {
        return limit;
    }
}
