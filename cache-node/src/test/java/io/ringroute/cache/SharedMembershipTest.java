package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.wire.Versioned;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.TokenLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
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
    /** A child JVM starts and connects within this, even on a heavily loaded machine. */
    private static final Duration CHILD_BOUND = Duration.ofSeconds(120);
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

    @Test
    void changesMadeInAnotherProcessMoveThisProcesssReadsAndWritesToTheNewOwners() throws IOException {
        CacheCluster<byte[]> here = client();
        byte[] value = {1};
        try (ChildProcessClient other = new ChildProcessClient(nodes)) {
            long epoch = other.change("add " + added.name() + " " + added.address());
            await().atMost(CHILD_BOUND).until(() -> here.membershipEpoch() == epoch);
            assertThat(ids(here.ring())).contains(added.name());
            List<String> gained = TestNodes.entries("gained", 1_000).keySet().stream()
                    .filter(k -> here.ring().replicas(k, 2).containsId(added.name())).limit(20).toList();
            gained.forEach(k -> here.put(k, value));
            for (String k : gained) {
                assertThat(Versioned.payload(added.map().get(k))).as("%s written to the new node", k)
                        .isEqualTo(value);
            }
            String ownedThere = TestNodes.entries("owned", 1_000).keySet().stream()
                    .filter(k -> here.ring().primary(k).id().equals(added.name())).findFirst().orElseThrow();
            added.map().set(ownedThere, Versioned.value(Long.MAX_VALUE - 1, new byte[] {2})); // only there
            assertThat(here.get(ownedThere)).as("read from the new primary").containsExactly(2);

            String removed = nodes.get(0).name();
            long after = other.change("remove " + removed);
            await().atMost(CHILD_BOUND).until(() -> here.membershipEpoch() == after);
            assertThat(ids(here.ring())).doesNotContain(removed);
            assertThat(here.nodeStates()).doesNotContainKey(removed);
            Set<String> fresh = TestNodes.entries("fresh", 50).keySet();
            fresh.forEach(k -> here.put(k, value));
            assertThat(fresh).noneMatch(k -> nodes.get(0).map().containsKey(k))
                    .allMatch(k -> Arrays.equals(here.get(k), value));
        }
    }

    /** Another client process: a child JVM running {@link ChangingClient}, told what to change on its stdin. */
    private static final class ChildProcessClient implements AutoCloseable {
        private final ChildJvm child;

        ChildProcessClient(List<CacheNode> nodes) throws IOException {
            child = new ChildJvm(ChangingClient.class, nodes);
        }

        /** Has the child make one change; returns the membership epoch it reached. */
        long change(String line) throws IOException {
            String result = child.ask(line, CHILD_BOUND, ChangingClient.DONE, ChangingClient.FAILED);
            assertThat(result).as("the child's change '%s'", line).startsWith(ChangingClient.DONE);
            return Long.parseLong(result.substring(ChangingClient.DONE.length()));
        }

        @Override
        public void close() throws IOException {
            child.close();
        }
    }

    /**
     * The child JVM: a cluster client sharing the membership of the nodes given as {@code id=address}. Each line on
     * its stdin ({@code add <id> <address>} or {@code remove <id>}) is a change; it prints the epoch reached after
     * each. It exits when its stdin closes, so it also ends if the test dies.
     */
    static final class ChangingClient {
        static final String DONE = "membership child: done at epoch ";
        static final String FAILED = "membership child: failed: ";

        public static void main(String[] args) throws IOException {
            CacheCluster.Builder<byte[]> b = TestNodes.cluster(List.of()).replicationFactor(2).sharedMembership(POLL);
            for (String a : args) {
                String[] idAddress = a.split("=", 2);
                b.node(idAddress[0], idAddress[1]);
            }
            try (CacheCluster<byte[]> cluster = b.build();
                    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    String[] w = line.split(" ");
                    try {
                        if (w[0].equals("add")) {
                            cluster.addNode(w[1], w[2], 1.0, null);
                        } else {
                            cluster.removeNode(w[1]);
                        }
                        System.out.println(DONE + cluster.membershipEpoch());
                    } catch (RuntimeException e) {
                        System.out.println(FAILED + e);
                    }
                    System.out.flush();
                }
            }
        }
    }
}
