package io.ringroute.demo.social;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The small Twitter: users, follows, posts, likes and home timelines, over the sharded database and the cache
 * cluster.
 *
 * <p>Timelines are hybrid. A post by an ordinary user is fanned out on write into each follower's cached timeline;
 * a post by a user with at least {@code celebrityThreshold} followers is not, and is merged into each follower's
 * timeline when it is read. The home timeline is the cached fan-out list, plus the recent posts of the
 * celebrities the user follows, plus the user's own recent posts.
 *
 * <p>Every write returns fresh rows from the database and puts them in the cache (write-through), tagged with the
 * user's version; the {@link Session} remembers that version, so the next request of the same session never
 * accepts an older cached copy and reloads through the shard router, which sends it to a replica only when that
 * replica has replayed the write.
 */
public final class Social {
    private static final Logger log = LoggerFactory.getLogger(Social.class);
    static final int RECENT_POSTS = 50;
    static final int TIMELINE_REFS = 200;
    static final int PAGE = 50;
    /** A timeline merges at most this many followees; more would make every read a fan-in of hundreds. */
    static final int MAX_FOLLOWING = 1000;

    private final ShardedDatabase db;
    private final SocialCache cache;
    private final ShardBatch batch;
    private final int celebrityThreshold;
    private final AtomicLong lastPostId = new AtomicLong();

    public Social(ShardedDatabase db, KeyValueCache cache, ObjectMapper json, int celebrityThreshold,
                  Duration profileTtl, Duration postTtl, Duration timelineTtl) {
        this.db = db;
        this.cache = new SocialCache(cache, json, profileTtl, postTtl, timelineTtl);
        this.batch = new ShardBatch(db, this.cache);
        this.celebrityThreshold = celebrityThreshold;
    }

    public int celebrityThreshold() {
        return celebrityThreshold;
    }

    public Profile createUser(String id, String name, String bio, Session session) {
        Handle user = Handle.of(id);
        String n = Text.name(name);
        String b = Text.bio(bio == null ? "" : bio);
        Profile p = db.write(user, session, c -> UserRows.insert(c, user, n, b))
                .orElseThrow(() -> new Rejected(Rejected.Why.CONFLICT, "user id '" + id + "' is taken"));
        session.wrote(p);
        cache.put(p);
        cache.putList(UserList.FOLLOWING, user, new RefList(p.version(), List.of()));
        cache.putList(UserList.RECENT, user, new RefList(p.version(), List.of()));
        cache.putTimeline(user, new RefList(p.version(), List.of()));
        return p;
    }

    /** A null field keeps its value; at least one must be given. */
    public Profile editProfile(String id, String name, String bio, Session session) {
        Handle user = Handle.of(id);
        if (name == null && bio == null) {
            throw Rejected.badInput("nothing to change: give a name or a bio");
        }
        String n = name == null ? null : Text.name(name);
        String b = bio == null ? null : Text.bio(bio);
        Profile p = db.write(user, session, c -> UserRows.edit(c, user, n, b))
                .orElseThrow(() -> Rejected.unknownUser(id));
        session.wrote(p);
        cache.put(p);
        carryOver(user, p.version());
        return p;
    }

    public Profile profile(String id, Session session) {
        Handle user = Handle.of(id);
        Profile p = cache.profile(user.value());
        if (p != null && p.version() >= session.minVersion(user)) {
            return p;
        }
        Profile loaded = db.read(user, session, c -> UserRows.find(c, user))
                .orElseThrow(() -> Rejected.unknownUser(id));
        cache.put(loaded);
        return loaded;
    }

    /** Follows {@code followeeId}; following someone twice changes nothing. */
    public Profile follow(String id, String followeeId, Session session) {
        return changeFollow(id, followeeId, session, true);
    }

    public Profile unfollow(String id, String followeeId, Session session) {
        return changeFollow(id, followeeId, session, false);
    }

    public List<String> following(String id, Session session) {
        return following(Handle.of(id), session).items();
    }

    public Post post(String id, String text, Session session) {
        Handle author = Handle.of(id);
        String t = Text.post(text);
        long postId = nextPostId();
        Written w = db.write(author, session, c -> {
            Profile p = UserRows.addPost(c, author).orElseThrow(() -> Rejected.unknownUser(id));
            Post post = PostRows.insert(c, author, postId, t, System.currentTimeMillis());
            List<String> recent = refs(author, PostRows.recentIds(c, author, RECENT_POSTS));
            List<String> fanOutTo = p.followers() < celebrityThreshold ? FollowRows.followers(c, author) : List.of();
            return new Written(p, post, recent, fanOutTo);
        });
        session.wrote(w.author);
        cache.put(w.author);
        cache.put(w.post);
        cache.putList(UserList.RECENT, author, new RefList(w.author.version(), w.recent));
        carryOver(author, w.author.version());
        fanOut(w.fanOutTo, w.post.ref());
        return w.post;
    }

    public Post like(String likerId, String postRef, Session session) {
        Handle liker = Handle.of(likerId);
        PostRef ref = PostRef.parse(postRef);
        profile(liker.value(), session);
        Post p = db.write(ref.author(), session, c -> PostRows.like(c, ref, liker))
                .orElseThrow(() -> new Rejected(Rejected.Why.NOT_FOUND, "unknown post '" + postRef + "'"));
        cache.put(p);
        return p;
    }

    /** The user's own newest posts. */
    public List<Post> posts(String id, Session session) {
        Handle user = Handle.of(id);
        return hydrate(recent(user, session).items(), session);
    }

    /**
     * On a hit of the fanned-out list: the following list, the followees' profiles, the recent lists of the
     * celebrities and of the user, the posts, each one batch from the cache. On a miss the list is rebuilt from the
     * ordinary followees' recent lists, fetched in the same batch as their profiles; whatever the cache lacks is
     * read with one statement per shard, the shards in parallel ({@link ShardBatch}).
     */
    public Timeline timeline(String id, Session session) {
        Handle user = Handle.of(id);
        RefList following = following(user, session);
        RefList cached = cache.timeline(user);
        Fanned fanned = current(cached, following) ? fromCache(user, following, cached, session)
                : cache.underTimelineLock(user, () -> rebuild(user, following, session));
        Set<String> refs = new LinkedHashSet<>(fanned.list.items());
        for (String c : fanned.celebrities) {
            refs.addAll(items(fanned.recent, c));
        }
        List<String> own = items(fanned.recent, user.value());
        refs.addAll(own);
        List<Post> posts = hydrate(newest(refs, PAGE), session);
        return new Timeline(user.value(), posts, fanned.list.items().size(), fanned.celebrities, own.size(),
                fanned.hit);
    }

    /** The cached fanned-out list, with the recent lists of the celebrities followed and of the user. */
    private Fanned fromCache(Handle user, RefList following, RefList cached, Session session) {
        List<String> celebrities = followees(following, batch.profiles(following.items(), session), true);
        List<String> mergedOnRead = new ArrayList<>(celebrities);
        mergedOnRead.add(user.value());
        return new Fanned(cached, celebrities, batch.lists(UserList.RECENT, mergedOnRead, session), true);
    }

    /**
     * Rebuilds the fanned-out list under the user's timeline lock: a fan-out into it waits until the list built from
     * the recent lists read here is in the cache, so it cannot slip in between and be lost.
     */
    private Fanned rebuild(Handle user, RefList following, Session session) {
        RefList cached = cache.timeline(user);
        if (current(cached, following)) {          // rebuilt by another request while this one waited for the lock
            return fromCache(user, following, cached, session);
        }
        List<String> lists = new ArrayList<>(following.items());
        lists.add(user.value());
        ShardBatch.Followees rows = batch.followees(following.items(), lists, session);
        RefList rebuilt = new RefList(following.version(), newest(followees(following, rows.profiles(), false)
                .stream().flatMap(f -> items(rows.recent(), f).stream()).toList(), TIMELINE_REFS));
        cache.putTimeline(user, rebuilt);
        return new Fanned(rebuilt, followees(following, rows.profiles(), true), rows.recent(), false);
    }

    private static boolean current(RefList timeline, RefList following) {
        return timeline != null && timeline.version() >= following.version();
    }

    /** The celebrities followed, or the ordinary followees, among those with a profile. */
    private List<String> followees(RefList following, Map<String, Profile> profiles, boolean celebrities) {
        List<String> found = new ArrayList<>();
        for (String f : following.items()) {
            Profile p = profiles.get(f);
            if (p != null && (p.followers() >= celebrityThreshold) == celebrities) {
                found.add(f);
            }
        }
        return found;
    }

    /** The most-followed users across all shards (a scatter-gather read), for the user picker. */
    public List<Profile> mostFollowed(int limit) {
        return db.everyShard(c -> UserRows.mostFollowed(c, limit)).stream()
                .flatMap(List::stream)
                .sorted(Comparator.comparingLong(Profile::followers).reversed().thenComparing(Profile::id))
                .limit(limit)
                .toList();
    }

    private Profile changeFollow(String id, String followeeId, Session session, boolean follow) {
        Handle user = Handle.of(id);
        Handle followee = Handle.of(followeeId);
        if (user.equals(followee)) {
            throw Rejected.badInput("a user cannot " + (follow ? "follow" : "unfollow") + " themselves");
        }
        profile(followee.value(), session);
        // First the follower's shard; then the followee's. If the second fails, the first is undone.
        FollowChange mine = db.write(user, session, c -> {
            Profile before = UserRows.find(c, user).orElseThrow(() -> Rejected.unknownUser(id));
            boolean changed = follow ? FollowRows.addFollowing(c, user, followee)
                    : FollowRows.removeFollowing(c, user, followee);
            Profile after = changed ? UserRows.addFollowing(c, user, follow ? 1 : -1).orElseThrow() : before;
            return new FollowChange(after, changed, FollowRows.following(c, user));
        });
        Profile theirs = null;
        if (mine.changed) {
            try {
                theirs = db.write(followee, session, c -> {
                    boolean changed = follow ? FollowRows.addFollower(c, followee, user)
                            : FollowRows.removeFollower(c, followee, user);
                    return changed ? UserRows.addFollowers(c, followee, follow ? 1 : -1).orElse(null) : null;
                });
            } catch (RuntimeException e) {
                undo(user, followee, session, follow);
                throw e;
            }
        }
        session.wrote(mine.profile);
        cache.put(mine.profile);
        if (theirs != null) {
            cache.put(theirs);
        }
        cache.putList(UserList.FOLLOWING, user, new RefList(mine.profile.version(), mine.following));
        if (mine.changed) {
            cache.underTimelineLock(user, () -> {
                cache.deleteTimeline(user);
                return null;
            });
        }
        return mine.profile;
    }

    /**
     * A post or a profile edit moves the user's version on without changing whom they follow: the cached following
     * list and fanned-out timeline built at the previous version are still right, so they are carried over to the
     * new one (instead of being reloaded by the writer's next request). Lists of any other version are left alone.
     */
    private void carryOver(Handle user, long version) {
        cache.underTimelineLock(user, () -> {
            RefList following = cache.list(UserList.FOLLOWING, user);
            if (following != null && following.version() == version - 1) {
                cache.putList(UserList.FOLLOWING, user, new RefList(version, following.items()));
            }
            RefList timeline = cache.timeline(user);
            if (timeline != null && timeline.version() == version - 1) {
                cache.putTimeline(user, new RefList(version, timeline.items()));
            }
            return null;
        });
    }

    private void undo(Handle user, Handle followee, Session session, boolean follow) {
        try {
            db.write(user, session, c -> {
                boolean changed = follow ? FollowRows.removeFollowing(c, user, followee)
                        : FollowRows.addFollowing(c, user, followee);
                return changed ? UserRows.addFollowing(c, user, follow ? -1 : 1) : Optional.empty();
            });
        } catch (RuntimeException e) {
            log.error("could not undo the {} of {} -> {} after the other shard failed: {}",
                    follow ? "follow" : "unfollow", user, followee, e.toString());
        }
    }

    /** Pushes the ref into each follower's cached timeline: one batch read and one batch write. */
    private void fanOut(List<String> followers, String ref) {
        if (followers.isEmpty()) {
            return;
        }
        cache.underTimelineLocks(followers, () -> {
            Map<String, RefList> updated = new HashMap<>();
            cache.timelines(followers).forEach((follower, t) -> {
                List<String> items = new ArrayList<>(t.items().size() + 1);
                items.add(ref);
                items.addAll(t.items());
                updated.put(follower, new RefList(t.version(), items.subList(0, Math.min(items.size(),
                        TIMELINE_REFS))));
            });
            cache.putTimelines(updated);
        });
    }

    private RefList following(Handle user, Session session) {
        return userList(UserList.FOLLOWING, user, session);
    }

    private RefList recent(Handle user, Session session) {
        return userList(UserList.RECENT, user, session);
    }

    /** A user's list from the cache unless it is older than the session's own writes; else from the user's shard. */
    private RefList userList(UserList list, Handle user, Session session) {
        RefList cached = cache.list(list, user);
        if (cached != null && cached.version() >= session.minVersion(user)) {
            return cached;
        }
        RefList loaded = db.read(user, session, c -> ListRows.find(c, list, user));
        cache.putList(list, user, loaded);
        return loaded;
    }

    /** Posts for refs, in the refs' order. */
    private List<Post> hydrate(List<String> refs, Session session) {
        Map<String, Post> found = batch.posts(refs, session);
        return refs.stream().map(found::get).filter(Objects::nonNull).toList();
    }

    /** A user's list from a batch; empty for a user it did not find. */
    private static List<String> items(Map<String, RefList> lists, String user) {
        RefList list = lists.get(user);
        return list == null ? List.of() : list.items();
    }

    private static List<String> newest(Collection<String> refs, int limit) {
        TreeSet<PostRef> sorted = new TreeSet<>(PostRef.NEWEST_FIRST);
        for (String r : refs) {
            sorted.add(PostRef.parse(r));
        }
        return sorted.stream().limit(limit).map(PostRef::toString).toList();
    }

    private static List<String> refs(Handle author, List<Long> ids) {
        return ids.stream().map(i -> PostRef.format(author.value(), i)).toList();
    }

    /** Time-ordered and unique in this process: milliseconds shifted left, a counter in the low bits. */
    private long nextPostId() {
        long now = System.currentTimeMillis() << 12;
        return lastPostId.updateAndGet(last -> Math.max(last + 1, now));
    }

    private record Written(Profile author, Post post, List<String> recent, List<String> fanOutTo) {
    }

    private record FollowChange(Profile profile, boolean changed, List<String> following) {
    }

    /** A timeline's fanned-out list, the celebrities merged on read, and the recent lists read for them. */
    private record Fanned(RefList list, List<String> celebrities, Map<String, RefList> recent, boolean hit) {
    }
}
