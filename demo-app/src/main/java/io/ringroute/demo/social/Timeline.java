package io.ringroute.demo.social;

import java.util.List;

/**
 * A home timeline and how it was put together, so the page can show it: the fanned-out refs from the user's
 * cached timeline, the celebrities merged on demand, and the user's own posts.
 */
public record Timeline(String user, List<Post> posts, int fannedOut, List<String> mergedCelebrities, int own,
                       boolean cachedTimelineHit) {
}
