package io.ringroute.demo.social;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The rows of many users (a timeline's twenty-odd followees, its fifty posts) from the cache, and the misses read
 * with one statement per shard instead of one per user: the keys are grouped by the shard that owns their user
 * ({@link ShardedDatabase#shardOf}), each group is read on its shard, and what was read goes back into the cache in
 * one batch. The shards of a batch are read at the same time ({@link ShardedDatabase#readEach}); if one of them
 * fails, the batch fails and caches nothing.
 *
 * <p>A key whose owner moved while it was being read (a resharding cut its range over in between) is read again
 * on its new shard, so a batch finds every row one read per user would have found.
 */
final class ShardBatch {
    /** Rounds of re-reading keys whose shard changed under the batch; each needs a cutover in between. */
    private static final int ROUNDS = 3;

    /** A read of the rows of {@code keys}, all owned by users of the shard the connection is on. */
    @FunctionalInterface
    interface Work<K, V> {
        Map<K, V> run(Connection c, List<K> keys) throws SQLException;
    }

    private final ShardedDatabase db;
    private final SocialCache cache;

    ShardBatch(ShardedDatabase db, SocialCache cache) {
        this.db = db;
        this.cache = cache;
    }

    /** The profiles of those users that exist; a cached copy older than the session's own write is reloaded. */
    Map<String, Profile> profiles(Collection<String> ids, Session session) {
        Map<String, Profile> found = new HashMap<>();
        List<Handle> missing = usable(ids, cache.profiles(ids), Profile::version, session, found);
        Map<Handle, Profile> loaded = read(missing, h -> h, session, (c, users) -> {
            Map<Handle, Profile> rows = new HashMap<>();
            UserRows.findAll(c, users).forEach(p -> rows.put(Handle.of(p.id()), p));
            return rows;
        });
        cache.putProfiles(loaded.values());
        loaded.values().forEach(p -> found.put(p.id(), p));
        return found;
    }

    /** The lists of those users that exist, each at least as new as the session's own writes as that user. */
    Map<String, RefList> lists(UserList kind, Collection<String> ids, Session session) {
        Map<String, RefList> found = new HashMap<>();
        List<Handle> missing = usable(ids, cache.lists(kind, ids), RefList::version, session, found);
        Map<Handle, RefList> loaded = read(missing, h -> h, session, (c, users) -> ListRows.findAll(c, kind, users));
        Map<String, RefList> byId = new HashMap<>();
        loaded.forEach((user, list) -> byId.put(user.value(), list));
        cache.putLists(kind, byId);
        found.putAll(byId);
        return found;
    }

    /** What a timeline rebuild reads of the users it merges, each map by user id. */
    record Followees(Map<String, Profile> profiles, Map<String, RefList> recent) {
    }

    /**
     * The profiles of {@code profileIds} and the recent lists of {@code listIds}, as {@link #profiles} and
     * {@link #lists} return them, with the misses of both read in one statement per shard instead of one each: a
     * timeline rebuild needs the followees' profiles and their recent lists, and two rounds of shard reads cost it
     * twice the latency of one.
     */
    Followees followees(Collection<String> profileIds, Collection<String> listIds, Session session) {
        Map<String, Profile> profiles = new HashMap<>();
        Map<String, RefList> recent = new HashMap<>();
        List<Handle> noProfile = usable(profileIds, cache.profiles(profileIds), Profile::version, session, profiles);
        List<Handle> noList = usable(listIds, cache.lists(UserList.RECENT, listIds), RefList::version, session,
                recent);
        Set<Handle> missing = new LinkedHashSet<>(noProfile);
        missing.addAll(noList);
        Map<Handle, Followee> loaded = read(missing, h -> h, session, UserRows::findAllWithRecent);
        // Only what was missing goes back: a cached copy that was usable may be newer than this read.
        List<Profile> loadedProfiles = new ArrayList<>();
        for (Handle user : noProfile) {
            Followee f = loaded.get(user);
            if (f != null) {
                loadedProfiles.add(f.profile());
                profiles.put(user.value(), f.profile());
            }
        }
        Map<String, RefList> loadedLists = new HashMap<>();
        for (Handle user : noList) {
            Followee f = loaded.get(user);
            if (f != null) {
                loadedLists.put(user.value(), f.recent());
            }
        }
        cache.putProfiles(loadedProfiles);
        cache.putLists(UserList.RECENT, loadedLists);
        recent.putAll(loadedLists);
        return new Followees(profiles, recent);
    }

    /** The posts of those refs that exist. */
    Map<String, Post> posts(Collection<String> refs, Session session) {
        Map<String, Post> found = new HashMap<>(cache.posts(refs));
        List<PostRef> missing = new ArrayList<>();
        for (String r : refs) {
            if (!found.containsKey(r)) {
                missing.add(PostRef.parse(r));
            }
        }
        Map<PostRef, Post> loaded = read(missing, PostRef::author, session, (c, group) -> {
            Map<PostRef, Post> rows = new HashMap<>();
            PostRows.findAll(c, group).forEach(p -> rows.put(new PostRef(Handle.of(p.author()), p.id()), p));
            return rows;
        });
        cache.putPosts(loaded.values());
        loaded.values().forEach(p -> found.put(p.ref(), p));
        return found;
    }

    /**
     * Puts into {@code usable} the cached values at least as new as the session's own writes as their user, and
     * returns the users whose value must be read instead.
     */
    private static <V> List<Handle> usable(Collection<String> ids, Map<String, V> cached, ToLongFunction<V> version,
                                           Session session, Map<String, V> usable) {
        List<Handle> missing = new ArrayList<>();
        for (String id : ids) {
            Handle user = Handle.of(id);
            V value = cached.get(id);
            if (value != null && version.applyAsLong(value) >= session.minVersion(user)) {
                usable.put(id, value);
            } else {
                missing.add(user);
            }
        }
        return missing;
    }

    /** One read per shard of the keys' owners, the shards in parallel; only the keys found are in the result. */
    private <K, V> Map<K, V> read(Collection<K> keys, Function<K, Handle> owner, Session session, Work<K, V> work) {
        Map<K, V> found = new HashMap<>();
        List<K> pending = new ArrayList<>(keys);
        for (int round = 0; round < ROUNDS && !pending.isEmpty(); round++) {
            Map<String, List<K>> byShard = new LinkedHashMap<>();
            for (K k : pending) {
                byShard.computeIfAbsent(db.shardOf(owner.apply(k)), s -> new ArrayList<>()).add(k);
            }
            List<ShardedDatabase.Read<Map<K, V>>> reads = new ArrayList<>(byShard.size());
            byShard.values().forEach(group -> reads.add(
                    new ShardedDatabase.Read<>(owner.apply(group.get(0)), c -> work.run(c, group))));
            db.readEach(reads, session).forEach(found::putAll);
            pending = new ArrayList<>();
            for (Map.Entry<String, List<K>> e : byShard.entrySet()) {
                Handle routedBy = owner.apply(e.getValue().get(0));
                for (K k : e.getValue()) {
                    if (!found.containsKey(k) && moved(e.getKey(), routedBy, owner.apply(k))) {
                        pending.add(k);
                    }
                }
            }
        }
        return found;
    }

    /** Whether the read that was meant for {@code shard} may have missed the key's row because a range moved. */
    private boolean moved(String shard, Handle routedBy, Handle owner) {
        return !db.shardOf(routedBy).equals(shard) || !db.shardOf(owner).equals(shard);
    }
}
