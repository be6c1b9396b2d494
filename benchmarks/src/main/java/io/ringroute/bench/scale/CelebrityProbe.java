package io.ringroute.bench.scale;

import io.ringroute.demo.social.Post;
import io.ringroute.demo.social.Session;
import io.ringroute.demo.social.Social;
import io.ringroute.demo.social.Timeline;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks that the demo merges celebrities' posts on read at this scale and how much the load exercises it: how many
 * active users follow a celebrity (from the graph), and, for a sample of them, whether their timeline merged exactly
 * the celebrities they follow and shows a celebrity's post.
 */
final class CelebrityProbe {
    private static final int SAMPLE = 200;

    record Result(int threshold, int celebrities, int active, int activeFollowingOne, int probed, int exactMerge,
                  int withCelebrityPost, long celebritiesMerged) {

        void print(PrintStream out) {
            out.printf("celebrities (>= %,d followers): %,d accounts; %,d of %,d active users (%.1f%%) follow one."
                            + " Probed %d of their timelines: %d merged exactly the celebrities they follow (%.1f on"
                            + " average), %d show a celebrity's post%n", threshold, celebrities, activeFollowingOne,
                    active, 100.0 * activeFollowingOne / active, probed, exactMerge,
                    probed == 0 ? 0 : (double) celebritiesMerged / probed, withCelebrityPost);
        }
    }

    private CelebrityProbe() {
    }

    static Result run(Social social, FollowGraph graph, List<String> ids, int[] active, int threshold) {
        int celebrities = 0;
        for (int u = 0; u < graph.users(); u++) {
            if (graph.followerCount(u) >= threshold) {
                celebrities++;
            }
        }
        int following = 0;
        int probed = 0;
        int exact = 0;
        int withPost = 0;
        long merged = 0;
        for (int u : active) {
            Set<String> expected = new HashSet<>();
            for (int i = 0, n = graph.followingCount(u); i < n; i++) {
                int f = graph.followee(u, i);
                if (graph.followerCount(f) >= threshold) {
                    expected.add(ids.get(f));
                }
            }
            if (expected.isEmpty()) {
                continue;
            }
            following++;
            if (probed < SAMPLE) {
                probed++;
                Timeline t = social.timeline(ids.get(u), Session.fresh());
                merged += t.mergedCelebrities().size();
                if (new HashSet<>(t.mergedCelebrities()).equals(expected)) {
                    exact++;
                }
                if (t.posts().stream().map(Post::author).anyMatch(expected::contains)) {
                    withPost++;
                }
            }
        }
        return new Result(threshold, celebrities, active.length, following, probed, exact, withPost, merged);
    }
}
