package io.ringroute.cache.invalidation;

import java.util.Collection;
import java.util.Map;

/**
 * The application's mapping from a changed row to the cache keys that may hold data derived from it: the one thing
 * a {@link CacheInvalidator} cannot know by itself.
 *
 * <p>It is called once per row image of every insert, update and delete the publication carries: for an update
 * with the new row, and also with the old one when PostgreSQL sends it (a changed primary key, or {@code REPLICA
 * IDENTITY FULL}); for a delete with the old row, which holds only the replica identity's columns (the primary key)
 * unless the table is {@code REPLICA IDENTITY FULL}. Values are PostgreSQL's text output ({@code 42},
 * {@code t}, {@code 2026-12-01 10:00:00+00}); SQL NULL is a null value; a TOASTed value the update left unchanged is
 * absent from the map. It runs on the invalidator's thread, must be fast and must not block.
 */
@FunctionalInterface
public interface RowKeys {

    /**
     * The keys to delete for one row image.
     *
     * @param table the table, schema-qualified ({@code public.users})
     * @param row column name to text value; read-only
     * @return the keys (empty for tables nothing is cached from); never null
     */
    Collection<String> keys(String table, Map<String, String> row);

    /**
     * The version {@code key}'s cached value carries after this change, when the application caches that key with
     * this row's own version (its {@code version} column, say): then the invalidation drops only what is older, so a
     * reload of the current row is cached at once and no value older than it can come back. {@link Long#MIN_VALUE}
     * (the default) when the key is not versioned by this row: it gets the invalidator's {@link TombstoneVersion}.
     *
     * @param key one of the keys {@link #keys} returned for this row image
     */
    default long version(String table, Map<String, String> row, String key) {
        return Long.MIN_VALUE;
    }
}
