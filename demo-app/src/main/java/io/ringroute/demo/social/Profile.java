package io.ringroute.demo.social;

/**
 * A user as shown: counters are kept on the user's own shard. {@code version} grows with every write the user
 * makes (post, follow, unfollow, profile edit); cached copies of the user's data carry the version they were built
 * from, so a session that wrote version v never accepts an older copy.
 */
public record Profile(String id, String name, String bio, long followers, long following, long posts,
                      long version) {
}
