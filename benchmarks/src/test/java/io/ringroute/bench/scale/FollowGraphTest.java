package io.ringroute.bench.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FollowGraphTest {

    @Test
    void theGraphHasTheMeanFolloweesAndATopAccountFollowedByAboutAQuarterOfTheUsers() {
        FollowGraph g = FollowGraph.generate(20_000, 20, 7);

        assertThat((double) g.edges() / g.users()).isBetween(19.0, 21.0);
        int[] top = g.topFollowerCounts(3);
        assertThat(top[0]).isBetween(4_000, 6_000);      // ~ TOP_SHARE of 20,000
        assertThat(top[2]).isLessThan(top[0]);
        long median = Arrays.stream(g.topFollowerCounts(g.users())).skip(g.users() / 2).findFirst()
                .orElseThrow();
        assertThat(median).isLessThan(20);                   // power law: most accounts have few followers
    }

    @Test
    void noUserFollowsThemselvesOrAnyoneTwiceAndFollowerCountsMatchTheEdges() {
        FollowGraph g = FollowGraph.generate(2_000, 20, 3);
        int[] followers = new int[g.users()];
        for (int u = 0; u < g.users(); u++) {
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < g.followingCount(u); i++) {
                int f = g.followee(u, i);
                assertThat(f).isNotEqualTo(u);
                assertThat(seen.add(f)).isTrue();
                followers[f]++;
            }
        }
        for (int u = 0; u < g.users(); u++) {
            assertThat(g.followerCount(u)).isEqualTo(followers[u]);
        }
    }

    @Test
    void theSameSeedGivesTheSameGraph() {
        FollowGraph a = FollowGraph.generate(1_000, 10, 11);
        FollowGraph b = FollowGraph.generate(1_000, 10, 11);
        assertThat(a.edges()).isEqualTo(b.edges());
        for (int u = 0; u < a.users(); u++) {
            assertThat(a.followingCount(u)).isEqualTo(b.followingCount(u));
            for (int i = 0; i < a.followingCount(u); i++) {
                assertThat(a.followee(u, i)).isEqualTo(b.followee(u, i));
            }
        }
    }

    @Test
    void tooFewUsersOrFolloweesAreRefusedByName() {
        assertThatThrownBy(() -> FollowGraph.generate(1, 20, 1)).hasMessageContaining("at least 2 users");
        assertThatThrownBy(() -> FollowGraph.generate(100, 0.5, 1)).hasMessageContaining("mean number of followees");
    }
}
