package io.ringroute.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.TokenLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two client processes (two cluster clients here) sharing one membership through the nodes' registry: a change
 * through one is followed by the other, writes of the follower during the change reach the new replicas, and a
 * client started with an old node list adopts the current one.
 */
class SharedMembershipTest {

    private static final Duration POLL = Duration.ofMillis(200);
    private final List<AutoCloseable> resources = new ArrayList<>();
    private List<CacheNode> nodes;
    private CacheNode added;

    @BeforeEach
    void startNodes() {
        nodes = List.of(TestNodes.start("shared"), TestNodes.start("shared"), TestNodes.start("shared"));
        added = TestNodes.start("shared");
        resources.addAll(nodes);
        resources.add(added);
    }

    @AfterEach
    void stop() {
        List<AutoCloseable> newestFirst = new ArrayList<>(resources);
        java.util.Collections.reverse(newestFirst);
        TestNodes.closeAll(newestFirst);
    }

    private CacheCluster<byte[]> client() {
        CacheCluster<byte[]> c = TestNodes.cluster(nodes).replicationFactor(2).sharedMembership(POLL).build();
        resources.add(c);
        return c;
    }

    private static List<String> ids(HashRing ring) {
        return ring.nodes().stream().map(Node::id).sorted().toList();
    }

    @Test
    void aNodeAddedThroughOneClientIsFollowedByTheOtherWhoseWritesDuringTheChangeReachIt() {
        CacheCluster<byte[]> changer = client();
        CacheCluster<byte[]> follower = client();
        changer.putAll(TestNodes.entries("key", 1_000));
        HashRing next = changer.ring().withNode(CacheCluster.nodeOf(added.name(), added.address(), 1.0, null));
        List<String> moving = TestNodes.entries("key", 1_000).keySet().stream()
                .filter(k -> next.replicas(k, 2).containsId(added.name())).limit(20).toList();
        byte[] written = "written by the follower during the copy".getBytes(StandardCharsets.UTF_8);
        AtomicBoolean once = new AtomicBoolean();
        changer.addListener(new CacheClusterListener() {
            @Override
            public void onRebalanceProgress(RebalanceProgress p) {
                if (p.phase() == RebalanceProgress.Phase.COPYING && once.compareAndSet(false, true)) {
                    moving.forEach(k -> follower.put(k, written));
                }
            }
        });

        changer.addNode(added.name(), added.address(), 1.0, null);

        await().atMost(Duration.ofSeconds(30)).until(() -> ids(follower.ring()).equals(ids(changer.ring()))
                && follower.membershipEpoch() == changer.membershipEpoch());
        assertThat(ids(follower.ring())).contains(added.name());
        assertThat(changer.membershipEpoch()).isEqualTo(4); // start, PREPARE, COMMIT, STEADY
        for (String k : moving) {
            assertThat(Versioned.payload(added.map().get(k))).as("%s on the new node", k).isEqualTo(written);
            assertThat(changer.get(k)).as(k).isEqualTo(written);
        }
    }

    @Test
    void aClientStartedWithAnOldNodeListAdoptsTheSharedMembership() {
        CacheCluster<byte[]> changer = client();
        changer.addNode(added.name(), added.address(), 1.0, null);
        changer.removeNode(nodes.get(0).name());

        CacheCluster<byte[]> late = client(); // lists the three original nodes only
        assertThat(ids(late.ring())).isEqualTo(ids(changer.ring())).contains(added.name())
                .doesNotContain(nodes.get(0).name());
        assertThat(late.membershipEpoch()).isEqualTo(changer.membershipEpoch());
        late.put("after", new byte[] {7});
        assertThat(changer.get("after")).containsExactly(7);
    }

    @Test
    void aTokenLayoutTravelsWithTheSharedMembershipSoEveryClientBuildsTheIdenticalRing() {
        TokenLayout start = TokenLayout.empty(32, 2);
        CacheCluster<byte[]> changer = TestNodes.cluster(nodes).replicationFactor(2).sharedMembership(POLL)
                .layout(start).build();
        resources.add(changer);
        CacheCluster<byte[]> follower = client(); // random vnodes by its own configuration
        TokenLayout first = changer.ring().layout().orElseThrow();
        assertThat(first.size()).isEqualTo(3);
        assertThat(follower.ring().layout()).contains(first);
        assertThat(follower.ring().tokens()).isEqualTo(changer.ring().tokens());

        changer.addNode(added.name(), added.address(), 1.0, null);

        TokenLayout grown = first.withNode(Node.of(added.name()));
        assertThat(changer.ring().layout()).as("the new node's tokens from the allocator").contains(grown);
        await().atMost(Duration.ofSeconds(30)).until(() -> follower.membershipEpoch() == changer.membershipEpoch());
        assertThat(follower.ring().layout()).contains(grown);
        assertThat(follower.ring().tokens()).isEqualTo(changer.ring().tokens());
    }

    @Test
    void onlyOneProcessChangesTheMembershipAtATime() {
        CacheCluster<byte[]> one = client();
        CacheCluster<byte[]> other = client();
        MembershipRegistry.lock("a-change-in-another-process", one.clients().values());

        assertThatThrownBy(() -> other.addNode(added.name(), added.address(), 1.0, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("another membership change is running (held by a-change-in-another-process)");
        assertThat(ids(other.ring())).doesNotContain(added.name());

        MembershipRegistry.unlock("a-change-in-another-process", one.clients().values());
        other.addNode(added.name(), added.address(), 1.0, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> ids(one.ring()).contains(added.name()));
    }
}
