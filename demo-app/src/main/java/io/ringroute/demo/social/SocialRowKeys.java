package io.ringroute.demo.social;

import io.ringroute.cache.invalidation.RowKeys;
import java.util.List;
import java.util.Map;

/**
 * Which cached entries a changed row of the social tables makes stale, for the WAL-driven cache invalidator. The
 * keys are the ones {@link SocialCache} writes; every column used is part of its table's primary key, so deletes
 * (which carry only the key) map as well as inserts and updates.
 *
 * <ul>
 *   <li>{@code users(id)}: {@code profile:<id>};
 *   <li>{@code following(user_id, followee)}: {@code following:<user_id>} and {@code timeline:<user_id>} (the
 *       fan-out list is built from whom the user follows);
 *   <li>{@code posts(author, id)}: {@code post:<author>/<id>} and {@code recent:<author>};
 *   <li>{@code likes(author, post_id, liker)}: {@code post:<author>/<post_id>} (the like count is on the post);
 *   <li>{@code followers}: nothing is cached from it (the counts live on {@code users}).
 * </ul>
 */
public final class SocialRowKeys implements RowKeys {

    @Override
    public List<String> keys(String table, Map<String, String> row) {
        return switch (table) {
            case "public.users" -> List.of("profile:" + row.get("id"));
            case "public.following" -> List.of(UserList.FOLLOWING.cacheKey() + ":" + row.get("user_id"),
                    "timeline:" + row.get("user_id"));
            case "public.posts" -> List.of("post:" + row.get("author") + "/" + row.get("id"),
                    UserList.RECENT.cacheKey() + ":" + row.get("author"));
            case "public.likes" -> List.of("post:" + row.get("author") + "/" + row.get("post_id"));
            default -> List.of();
        };
    }

    @Override
    public String toString() {
        return "SocialRowKeys";
    }
}
