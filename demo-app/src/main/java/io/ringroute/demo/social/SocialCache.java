package io.ringroute.demo.social;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The social data in the cache cluster, as JSON: profiles and posts (cache-aside), each user's following list,
 * recent post refs and fanned-out home timeline. Lists are changed read-modify-write under a per-user lock stripe,
 * so two fan-outs into one timeline in this process cannot lose each other's refs.
 */
final class SocialCache {
    private static final int STRIPES = 64;

    private final KeyValueCache cache;
    private final ObjectMapper json;
    private final Duration profileTtl;
    private final Duration postTtl;
    private final Duration timelineTtl;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    SocialCache(KeyValueCache cache, ObjectMapper json, Duration profileTtl, Duration postTtl, Duration timelineTtl) {
        this.cache = cache;
        this.json = json;
        this.profileTtl = profileTtl;
        this.postTtl = postTtl;
        this.timelineTtl = timelineTtl;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    Profile profile(String id) {
        return read("profile:" + id, Profile.class);
    }

    Map<String, Profile> profiles(Collection<String> ids) {
        return readAll("profile:", ids, Profile.class);
    }

    void put(Profile p) {
        write("profile:" + p.id(), p, profileTtl);
    }

    void putProfiles(Collection<Profile> profiles) {
        Map<String, Object> byKey = new HashMap<>();
        profiles.forEach(p -> byKey.put("profile:" + p.id(), p));
        writeAll(byKey, profileTtl);
    }

    Map<String, Post> posts(Collection<String> refs) {
        return readAll("post:", refs, Post.class);
    }

    void put(Post p) {
        write("post:" + p.ref(), p, postTtl);
    }

    void putPosts(Collection<Post> posts) {
        Map<String, Object> byKey = new HashMap<>();
        posts.forEach(p -> byKey.put("post:" + p.ref(), p));
        writeAll(byKey, postTtl);
    }

    RefList list(UserList kind, Handle user) {
        return read(kind.cacheKey() + ":" + user, RefList.class);
    }

    /** The cached lists of those users that have one, by user id. */
    Map<String, RefList> lists(UserList kind, Collection<String> users) {
        return readAll(kind.cacheKey() + ":", users, RefList.class);
    }

    void putList(UserList kind, Handle user, RefList list) {
        write(kind.cacheKey() + ":" + user, list, ttl(kind));
    }

    /** Lists by user id. */
    void putLists(UserList kind, Map<String, RefList> lists) {
        Map<String, Object> byKey = new HashMap<>();
        lists.forEach((user, list) -> byKey.put(kind.cacheKey() + ":" + user, list));
        writeAll(byKey, ttl(kind));
    }

    RefList timeline(Handle user) {
        return read("timeline:" + user, RefList.class);
    }

    /** The cached timelines of those users that have one, by user id. */
    Map<String, RefList> timelines(Collection<String> users) {
        return readAll("timeline:", users, RefList.class);
    }

    void putTimeline(Handle user, RefList list) {
        write("timeline:" + user, list, timelineTtl);
    }

    /** Timelines by user id. */
    void putTimelines(Map<String, RefList> timelines) {
        Map<String, Object> byKey = new HashMap<>();
        timelines.forEach((user, list) -> byKey.put("timeline:" + user, list));
        writeAll(byKey, timelineTtl);
    }

    void deleteTimeline(Handle user) {
        cache.delete("timeline:" + user);
    }

    /** Runs {@code action} holding the lock stripe of {@code user}'s timeline. */
    <T> T underTimelineLock(Handle user, Supplier<T> action) {
        ReentrantLock lock = stripes[stripe(user.value())];
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code action} holding the lock stripes of all these users' timelines, taken in stripe order: no other
     * holder takes a second stripe, so two of these cannot deadlock.
     */
    void underTimelineLocks(Collection<String> users, Runnable action) {
        boolean[] needed = new boolean[STRIPES];
        users.forEach(u -> needed[stripe(u)] = true);
        int held = 0;
        try {
            for (; held < STRIPES; held++) {
                if (needed[held]) {
                    stripes[held].lock();
                }
            }
            action.run();
        } finally {
            for (int i = held - 1; i >= 0; i--) {
                if (needed[i]) {
                    stripes[i].unlock();
                }
            }
        }
    }

    private static int stripe(String user) {
        return Math.floorMod(user.hashCode(), STRIPES);
    }

    private Duration ttl(UserList kind) {
        return kind == UserList.FOLLOWING ? profileTtl : timelineTtl;
    }

    private <T> T read(String key, Class<T> type) {
        byte[] bytes = cache.get(key);
        return bytes == null ? null : decode(bytes, type);
    }

    private <T> Map<String, T> readAll(String prefix, Collection<String> ids, Class<T> type) {
        List<String> keys = new ArrayList<>(ids.size());
        for (String id : ids) {
            keys.add(prefix + id);
        }
        Map<String, T> found = new HashMap<>();
        cache.getAll(keys).forEach((k, v) -> found.put(k.substring(prefix.length()), decode(v, type)));
        return found;
    }

    private void write(String key, Object value, Duration ttl) {
        try {
            cache.put(key, json.writeValueAsBytes(value), ttl);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value, e);
        }
    }

    private void writeAll(Map<String, Object> byKey, Duration ttl) {
        if (byKey.isEmpty()) {
            return;
        }
        Map<String, byte[]> encoded = new HashMap<>();
        for (Map.Entry<String, Object> e : byKey.entrySet()) {
            try {
                encoded.put(e.getKey(), json.writeValueAsBytes(e.getValue()));
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException("cannot encode " + e.getValue(), ex);
            }
        }
        cache.putAll(encoded, ttl);
    }

    private <T> T decode(byte[] bytes, Class<T> type) {
        try {
            return json.readValue(bytes, type);
        } catch (IOException e) {
            throw new UncheckedIOException("cached " + type.getSimpleName() + " is not readable", e);
        }
    }
}
