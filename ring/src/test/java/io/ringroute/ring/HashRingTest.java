package io.ringroute.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HashRingTest {

    private static HashRing smallRing() {
        return HashRing.builder().vnodesPerNode(4)
                .node(Node.of("a")).node(Node.of("b")).node(Node.of("c", 2)).build();
    }

    @Test
    void tokensAndOwnersMatchThePinnedVectors() {
        HashRing ring = smallRing();
        assertThat(ring.tokens()).containsExactly(
                -8425008291348646838L, -7618501857447054125L, -6588094833118168523L, -5738977709468124423L,
                -5210038032300466062L, -188497204398749409L, 1228377497390879443L, 2315142711966976743L,
                4022683935628864320L, 4048889182232790314L, 4960003707170548291L, 5588717343200012602L,
                6165192175857014318L, 6395289281332255728L, 6517059148551443536L, 9049660580012213417L);
        assertThat(ring.ranges().stream().map(r -> r.owner().id()).collect(Collectors.joining()))
                .isEqualTo("acbcccaaccbabcbc");
        assertThat(ring.primary("user:1").id()).isEqualTo("b");
        assertThat(ring.primary("user:2").id()).isEqualTo("c");
        assertThat(ring.primary("user:5").id()).isEqualTo("a");
        assertThat(ids(ring.replicas("user:4", 2))).containsExactly("b", "a");
        assertThat(ids(ring.replicas("user:5", 2))).containsExactly("a", "c");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 3, 50, 700})
    void indexedLookupFindsTheFirstTokenAtOrAfterTheKeyAsABinarySearchDoes(int nodeCount) {
        HashRing ring = HashRing.builder().vnodesPerNode(7)
                .nodes(IntStream.range(0, nodeCount).mapToObj(i -> Node.of("n" + i)).collect(Collectors.toList()))
                .build();
        long[] tokens = ring.tokens();
        Random random = new Random(nodeCount);
        List<Long> probes = new ArrayList<>(List.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L, 1L));
        for (long t : tokens) {
            probes.add(t);
            probes.add(t - 1);
            probes.add(t + 1);
        }
        for (int k = 0; k < 20_000; k++) {
            probes.add(random.nextLong());
        }
        List<OwnedRange> ranges = ring.ranges();
        for (long probe : probes) {
            int i = java.util.Arrays.binarySearch(tokens, probe);
            int expected = i >= 0 ? i : (-i - 1) % tokens.length;
            assertThat(ring.primaryForToken(probe)).as("token %d", probe).isEqualTo(ranges.get(expected).owner());
        }
    }

    @Test
    void vnodeTokenIsMurmurOfIdAndBigEndianIndex() {
        HashRing ring = HashRing.builder().vnodesPerNode(1).node(Node.of("a")).build();
        byte[] encoded = {'a', 0, 0, 0, 0};
        assertThat(ring.tokens()).containsExactly(KeyHash.token(encoded));
    }

    @Test
    void aNodeGetsRoundedWeightTimesVnodesTokensAndAtLeastOne() {
        HashRing ring = HashRing.builder().vnodesPerNode(10)
                .node(Node.of("half", 0.25)).node(Node.of("double", 2)).node(Node.of("tiny", 0.001)).build();
        assertThat(ring.rangesOf("half")).hasSize(3);   // 2.5 rounds up
        assertThat(ring.rangesOf("double")).hasSize(20);
        assertThat(ring.rangesOf("tiny")).hasSize(1);
        assertThat(ring.tokenCount()).isEqualTo(24);
    }

    @Test
    void theSameNodesInAnyOrderGiveTheSameRing() {
        List<Node> nodes = IntStream.range(0, 20)
                .mapToObj(i -> Node.builder("n" + i).weight(1 + i % 3).zone("z" + i % 4).build())
                .collect(Collectors.toList());
        HashRing reference = HashRing.of(nodes);
        Random random = new Random(3);
        for (int trial = 0; trial < 5; trial++) {
            List<Node> shuffled = new ArrayList<>(nodes);
            Collections.shuffle(shuffled, random);
            HashRing ring = HashRing.of(shuffled);
            assertThat(ring.tokens()).isEqualTo(reference.tokens());
            assertThat(ring).isEqualTo(reference);
            for (int k = 0; k < 2_000; k++) {
                assertThat(ring.replicas("k" + k, 3)).isEqualTo(reference.replicas("k" + k, 3));
            }
        }
    }

    @Test
    void forcedTokenCollisionsResolveTheSameWhateverTheJoinOrder() {
        // An 8-bit hash: 3 nodes x 40 vnodes on 256 positions collide many times over.
        TokenPlacement weak = new VnodePlacement(40, bytes -> KeyHash.token(bytes) & 0xFF);
        List<Node> nodes = List.of(Node.of("x"), Node.of("y"), Node.of("z"));
        HashRing forward = HashRing.builder().placement(weak).nodes(nodes).build();
        HashRing grown = HashRing.builder().placement(weak).node(Node.of("z")).build()
                .withNode(Node.of("x")).withNode(Node.of("y"));
        assertThat(forward.tokenCount()).isEqualTo(120);
        assertThat(forward.tokens()).doesNotHaveDuplicates().isEqualTo(grown.tokens());
        assertThat(forward.ranges()).isEqualTo(grown.ranges());
        assertThat(forward.rangesOf("x")).hasSize(40);
    }

    @Test
    void theFirstVnodeInIdOrderKeepsACollidingToken() {
        // A constant hash: every first draw collides; "a" holds the token, "b" re-draws.
        TokenPlacement constant = new VnodePlacement(1, bytes -> bytes.length == 5 ? 7L : KeyHash.token(bytes));
        HashRing ring = HashRing.builder().placement(constant).node(Node.of("b")).node(Node.of("a")).build();
        assertThat(ring.primaryForToken(7L).id()).isEqualTo("a");
        assertThat(ring.tokens()).contains(7L).contains(KeyHash.token(new byte[] {'b', 0, 0, 0, 0, 0, 0, 0, 1}));
    }

    @Test
    void replicasAreDistinctNodesPrimaryFirst() {
        HashRing ring = HashRing.of(IntStream.range(0, 8).mapToObj(i -> Node.of("n" + i)).collect(Collectors.toList()));
        for (int k = 0; k < 10_000; k++) {
            String key = "key-" + k;
            ReplicaSet replicas = ring.replicas(key, 3);
            assertThat(replicas).hasSize(3).doesNotHaveDuplicates();
            assertThat(replicas.primary()).isEqualTo(ring.primary(key)).isEqualTo(replicas.get(0));
        }
    }

    @Test
    void replicasSpreadOverZonesWhenThereAreEnough() {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            nodes.add(Node.builder("n" + i).zone("zone-" + i % 3).build());
        }
        HashRing ring = HashRing.of(nodes);
        for (int k = 0; k < 10_000; k++) {
            ReplicaSet replicas = ring.replicas("key-" + k, 3);
            assertThat(replicas.stream().map(n -> n.zone().orElseThrow()).distinct()).hasSize(3);
        }
    }

    @Test
    void replicasFallBackToAnyDistinctNodeWhenZonesRunOut() {
        List<Node> nodes = List.of(
                Node.builder("a1").zone("a").build(), Node.builder("a2").zone("a").build(),
                Node.builder("a3").zone("a").build(), Node.builder("b1").zone("b").build());
        HashRing ring = HashRing.of(nodes);
        for (int k = 0; k < 5_000; k++) {
            ReplicaSet replicas = ring.replicas("key-" + k, 3);
            assertThat(replicas).hasSize(3).doesNotHaveDuplicates();
            // both zones appear among the first two: the zone-new node is preferred over a same-zone one
            assertThat(replicas.subList(0, 2).stream().map(n -> n.zone().orElseThrow()).distinct()).hasSize(2);
        }
    }

    @Test
    void askingForMoreReplicasThanNodesReturnsAllNodes() {
        HashRing ring = HashRing.builder().maxReplicas(2)
                .nodes(List.of(Node.of("a"), Node.of("b"), Node.of("c"))).build();
        assertThat(ring.replicas("k", 5)).hasSize(3).doesNotHaveDuplicates();
        assertThat(ring.replicas("k", 3).get(0)).isEqualTo(ring.primary("k"));
    }

    @Test
    void replicaListsLongerThanThePrecomputedOnesAgreeWithThem() {
        List<Node> nodes = IntStream.range(0, 12).mapToObj(i -> Node.builder("n" + i).zone("z" + i % 4).build())
                .collect(Collectors.toList());
        HashRing shortLists = HashRing.builder().maxReplicas(2).nodes(nodes).build();
        HashRing longLists = HashRing.builder().maxReplicas(6).nodes(nodes).build();
        for (int k = 0; k < 3_000; k++) {
            assertThat(ids(shortLists.replicas("k" + k, 6))).isEqualTo(ids(longLists.replicas("k" + k, 6)));
        }
    }

    @Test
    void theArrayFormOfReplicasMatchesTheListForm() {
        List<Node> nodes = IntStream.range(0, 6).mapToObj(i -> Node.builder("n" + i).zone("z" + i % 3).build())
                .collect(Collectors.toList());
        HashRing ring = HashRing.builder().maxReplicas(3).nodes(nodes).build();
        Node[] out = new Node[6];
        for (int k = 0; k < 2_000; k++) {
            long token = KeyHash.token("k" + k);
            for (int r : new int[] {1, 3, 5, 9}) {
                int n = ring.replicasForToken(token, r, out);
                assertThat(java.util.Arrays.asList(out).subList(0, n)).isEqualTo(ring.replicasForToken(token, r));
            }
        }
        assertThatThrownBy(() -> ring.replicasForToken(0L, 3, new Node[2]))
                .hasMessageContaining("holds 2 nodes, needs 3");
    }

    @Test
    void ownershipIsExactArcLengthAndSumsToOne() {
        HashRing ring = smallRing();
        double sum = ring.ownership().values().stream().mapToDouble(Double::doubleValue).sum();
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
        double fromRanges = ring.ranges().stream().filter(r -> r.owner().id().equals("c"))
                .mapToDouble(r -> r.range().fraction()).sum();
        assertThat(ring.ownership("c")).isEqualTo(fromRanges);
        assertThat(HashRing.builder().vnodesPerNode(1).node(Node.of("solo")).build().ownership("solo")).isEqualTo(1.0);
    }

    /**
     * With V random tokens per node, a node's share has a relative standard deviation of about 1/sqrt(V) (6.25% at
     * the default 256); the README bound, 4 standard deviations, is +-25% of the mean share. The placement is
     * deterministic (tokens hash the node ids), so the shares are pinned: the hottest node carries 1.132x the mean.
     */
    @Test
    void tenNodesAtTheDefaultVnodesOwnThePinnedSharesWithinTheReadmeBound() {
        HashRing ring = HashRing.of(IntStream.range(0, 10).mapToObj(i -> Node.of("node-" + i))
                .collect(Collectors.toList()));
        assertThat(ring.ownership()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "node-0", 0.09370985272241479, "node-1", 0.0978111123491211, "node-2", 0.10085870981534611,
                "node-3", 0.09639783273944148, "node-4", 0.11318471982960591, "node-5", 0.09918959858116722,
                "node-6", 0.09457838112290104, "node-7", 0.09859977805386866, "node-8", 0.1117577680499914,
                "node-9", 0.0939122467361424));
        double bound = 4 / Math.sqrt(HashRing.DEFAULT_VNODES);
        ring.ownership().forEach((id, share) ->
                assertThat(Math.abs(share / 0.1 - 1)).as("relative deviation of %s", id).isLessThan(bound));
    }

    @Test
    void badInputIsRejectedWithMessagesNamingTheValue() {
        assertThatThrownBy(() -> Node.of(null)).hasMessageContaining("non-empty").hasMessageContaining("null");
        assertThatThrownBy(() -> Node.of("")).hasMessageContaining("non-empty").hasMessageContaining("\"\"");
        assertThatThrownBy(() -> Node.of("a", 0)).hasMessageContaining("weight of node 'a'").hasMessageContaining("0.0");
        assertThatThrownBy(() -> Node.of("a", -1)).hasMessageContaining("-1.0");
        assertThatThrownBy(() -> Node.of("a", Double.NaN)).hasMessageContaining("NaN");
        assertThatThrownBy(() -> Node.of("a", Double.POSITIVE_INFINITY)).hasMessageContaining("Infinity");
        assertThatThrownBy(() -> HashRing.builder().vnodesPerNode(0)).hasMessageContaining("vnodesPerNode must be >= 1, was 0");
        assertThatThrownBy(() -> HashRing.builder().maxReplicas(0)).hasMessageContaining("maxReplicas must be >= 1, was 0");
        assertThatThrownBy(() -> HashRing.of(List.of(Node.of("a"), Node.of("a")))).hasMessageContaining("duplicate node id 'a'");
        assertThatThrownBy(() -> smallRing().withNode(Node.of("b"))).hasMessageContaining("duplicate node id 'b'");
        assertThatThrownBy(() -> smallRing().replicas("k", 0)).hasMessageContaining("r must be >= 1, was 0");
        assertThatThrownBy(() -> HashRing.builder().build().primary("k")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no nodes");
        assertThatThrownBy(() -> smallRing().withoutNode("zz")).hasMessageContaining("no node 'zz'")
                .hasMessageContaining("a, b, c");
        assertThatThrownBy(() -> smallRing().withWeight("zz", 2)).hasMessageContaining("no node 'zz'");
        assertThatThrownBy(() -> smallRing().withWeight("a", 0)).hasMessageContaining("weight of node 'a'");
    }

    static List<String> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).collect(Collectors.toList());
    }
}
