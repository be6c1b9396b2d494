package io.ringroute.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Property-style checks of balanced allocation over seeded random layouts and changes: random ids, join orders,
 * weights and zones. The README's bounds are asserted on exact shares from arc lengths; the full growth to 1000
 * nodes is the harness's job (benchmarks, scenario "growth").
 */
class BalancedAllocationTest {

    private static final int TOKENS = 32;

    private static HashRing empty() {
        return HashRing.builder().layout(TokenLayout.empty(TOKENS, 3)).build();
    }

    /** The hottest node's share at r replicas over its weight's fair share of min(r, n). */
    static double peakOverMean(HashRing ring, int r) {
        Map<String, Double> share = ring.ownership(r);
        double total = ring.nodes().stream().mapToDouble(Node::weight).sum();
        double peak = 0;
        for (Node n : ring.nodes()) {
            peak = Math.max(peak, share.get(n.id()) / (Math.min(r, ring.size()) * n.weight() / total));
        }
        return peak;
    }

    private static String randomId(SplittableRandom random) {
        return "n" + Long.toString(random.nextLong() >>> 1, 36);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void growingOneNodeAtATimeKeepsEveryReplicaCountWithinTenPercentOfTheMean(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        HashRing ring = empty();
        for (int n = 1; n <= 60; n++) {
            ring = ring.withNode(Node.of(randomId(random)));
            for (int r = 1; r <= 3 && r < n && n >= 3; r++) {
                assertThat(peakOverMean(ring, r)).as("n=%d r=%d", n, r).isLessThanOrEqualTo(1.10);
            }
        }
        for (int r = 1; r <= 3; r++) {
            assertThat(peakOverMean(ring, r)).as("n=60 r=%d", r).isLessThanOrEqualTo(1.05);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {4, 5})
    void zoneAwareReplicaSetsStayWithinTenPercentWhenTheZonesAreEven(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        HashRing ring = empty();
        for (int n = 1; n <= 45; n++) {
            ring = ring.withNode(Node.builder(randomId(random)).zone("z" + n % 3).build());
            for (int r = 1; r <= 3 && n % 3 == 0 && n > 3; r++) {
                assertThat(peakOverMean(ring, r)).as("n=%d r=%d", n, r).isLessThanOrEqualTo(1.10);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {6, 7})
    void weightsAreAbsoluteAndSharesStayWithinTenPercentOfWeightTimesTheMean(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] weights = {0.5, 1, 2};
        HashRing ring = empty();
        for (int n = 1; n <= 40; n++) {
            ring = ring.withNode(Node.of(randomId(random), weights[random.nextInt(3)]));
            for (int r = 1; r <= 3 && r < n && n >= 10; r++) {
                assertThat(peakOverMean(ring, r)).as("n=%d r=%d", n, r).isLessThanOrEqualTo(1.10);
            }
        }
        TokenLayout layout = ring.layout().orElseThrow();
        for (Node node : ring.nodes()) {
            assertThat(layout.tokens(node.id())).hasSize((int) Math.round(node.weight() * TOKENS));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {8, 9})
    void addingANodeMovesKeysOnlyToItAndAtMostFivePercentOverItsFairShare(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        HashRing ring = empty();
        for (int n = 1; n <= 40; n++) {
            Node added = Node.builder(randomId(random)).zone(seed == 9 ? "z" + n % 3 : null).build();
            HashRing next = ring.withNode(added);
            if (n > 3) {
                RebalancePlan plan = RebalancePlan.between(ring, next);
                assertThat(plan.moves()).allSatisfy(m -> assertThat(m.to().id()).isEqualTo(added.id()));
                assertThat(plan.movedFraction()).as("n=%d", n).isLessThanOrEqualTo(1.05 / n);
                for (ReplicaChange c : plan.replicaChanges(2)) {
                    assertThat(ids(c.after())).contains(added.id());
                }
            }
            ring = next;
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {10, 11, 12})
    void plansAreExactForEveryKindOfChange(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        HashRing ring = empty();
        for (int n = 0; n < 20; n++) {
            ring = ring.withNode(Node.builder(randomId(random)).zone("z" + random.nextInt(3)).build());
        }
        for (int change = 0; change < 6; change++) {
            List<Node> nodes = ring.nodes();
            String victim = nodes.get(random.nextInt(nodes.size())).id();
            HashRing next = switch (change % 4) {
                case 0 -> ring.withNode(Node.of(randomId(random)));
                case 1 -> ring.withoutNode(victim);
                case 2 -> ring.withWeight(victim, random.nextBoolean() ? 2 : 0.5);
                default -> HashRing.builder().layout(ring.layout().orElseThrow().rebalanced(4)).build();
            };
            RebalancePlan plan = RebalancePlan.between(ring, next);
            for (int k = 0; k < 20_000; k++) {
                long token = random.nextLong();
                Node was = ring.primaryForToken(token);
                Node now = next.primaryForToken(token);
                assertThat(plan.moveAt(token).map(m -> m.to().id())).isEqualTo(
                        was.id().equals(now.id()) ? java.util.Optional.empty() : java.util.Optional.of(now.id()));
            }
            ring = next;
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {13, 14})
    void afterRemovingATenthTheRestoreStepLowersThePeakAndMovesKeysOnlyBetweenTheNodesWhoseTokensMoved(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        HashRing ring = empty();
        for (int n = 0; n < 40; n++) {
            ring = ring.withNode(Node.of(randomId(random)));
        }
        for (int k = 0; k < 4; k++) {
            List<Node> nodes = ring.nodes();
            ring = ring.withoutNode(nodes.get(random.nextInt(nodes.size())).id());
        }
        double before = Math.max(peakOverMean(ring, 1), peakOverMean(ring, 2));
        TokenLayout layout = ring.layout().orElseThrow();
        TokenLayout restored = layout.rebalanced(16);
        HashRing after = HashRing.builder().layout(restored).build();
        assertThat(Math.max(peakOverMean(after, 1), peakOverMean(after, 2))).isLessThan(before);
        Set<String> moved = new HashSet<>();
        for (Node n : ring.nodes()) {
            if (!java.util.Arrays.equals(layout.tokens(n.id()), restored.tokens(n.id()))) {
                moved.add(n.id());
            }
        }
        RebalancePlan plan = RebalancePlan.between(ring, after);
        assertThat(plan.moves()).isNotEmpty().allSatisfy(m ->
                assertThat(moved.contains(m.from().id()) || moved.contains(m.to().id())).isTrue());
    }

    @ParameterizedTest
    @ValueSource(longs = {6})
    void atBetterBalanceAnAllocatedRingRetainsAtMostAQuarterOfTheRandomRingsBytes(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        HashRing allocated = empty();
        List<Node> nodes = new ArrayList<>();
        for (int n = 1; n <= 60; n++) {
            Node node = Node.of(randomId(random));
            nodes.add(node);
            allocated = allocated.withNode(node);
        }
        HashRing vnodes = HashRing.builder().vnodesPerNode(256).nodes(nodes).build();
        for (int r = 1; r <= 3; r++) {
            assertThat(peakOverMean(allocated, r)).as("r=%d", r).isLessThan(peakOverMean(vnodes, r));
        }
        // the estimate counts the index: 24 bytes of arrays per token and at least four 4-byte cells
        assertThat(vnodes.retainedBytes()).isGreaterThan(vnodes.tokenCount() * (24L + 16L));
        assertThat(allocated.retainedBytes()).isLessThanOrEqualTo(vnodes.retainedBytes() / 4);
    }

    private static List<String> ids(List<Node> nodes) {
        List<String> out = new ArrayList<>();
        nodes.forEach(n -> out.add(n.id()));
        return out;
    }
}
