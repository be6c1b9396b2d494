package io.ringroute.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ring invariants under change, checked key by key against the plan on 100k random keys. */
class RebalancePlanTest {

    private static final int KEYS = 100_000;

    private static HashRing tenNodes() {
        return HashRing.of(IntStream.range(0, 10).mapToObj(i -> Node.builder("node-" + i).zone("z" + i % 3).build())
                .collect(Collectors.toList()));
    }

    @Test
    void addingANodeMovesOnlyKeysToTheNewNode() {
        HashRing before = tenNodes();
        HashRing after = before.withNode(Node.of("new"));
        RebalancePlan plan = RebalancePlan.between(before, after);
        int moved = 0;
        for (long token : keyTokens(1)) {
            Node was = before.primaryForToken(token);
            Node now = after.primaryForToken(token);
            if (!was.id().equals(now.id())) {
                assertThat(now.id()).isEqualTo("new");
                moved++;
            }
        }
        assertThat(plan.moves()).allSatisfy(m -> assertThat(m.to().id()).isEqualTo("new"));
        assertThat(plan.movedFraction()).isCloseTo(after.ownership("new"), offset(1e-12));
        // sampled share within 5 standard errors of the exact one
        double p = plan.movedFraction();
        assertThat((double) moved / KEYS).isCloseTo(p, offset(5 * Math.sqrt(p * (1 - p) / KEYS)));
    }

    @Test
    void removingANodeMovesOnlyItsKeys() {
        HashRing before = tenNodes();
        HashRing after = before.withoutNode("node-3");
        for (long token : keyTokens(2)) {
            Node was = before.primaryForToken(token);
            if (!was.id().equals("node-3")) {
                assertThat(after.primaryForToken(token).id()).isEqualTo(was.id());
            }
        }
        RebalancePlan plan = RebalancePlan.between(before, after);
        assertThat(plan.moves()).allSatisfy(m -> assertThat(m.from().id()).isEqualTo("node-3"));
        assertThat(plan.movedFraction()).isCloseTo(before.ownership("node-3"), offset(1e-12));
    }

    @Test
    void changingAWeightMovesKeysOnlyToOrFromThatNode() {
        HashRing before = tenNodes();
        for (double weight : new double[] {0.5, 2.0}) {
            HashRing after = before.withWeight("node-7", weight);
            for (long token : keyTokens(3)) {
                String was = before.primaryForToken(token).id();
                String now = after.primaryForToken(token).id();
                if (!was.equals(now)) {
                    assertThat(List.of(was, now)).contains("node-7");
                }
            }
        }
    }

    /** Random rings and random changes: the plan agrees exactly with a brute-force lookup of every key. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void thePlanAgreesWithABruteForceLookupOfEveryKey(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int vnodes = new int[] {1, 7, 64, 256}[random.nextInt(4)];
        int n = 2 + random.nextInt(15);
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes.add(Node.builder("n" + i).weight(0.5 + random.nextInt(4) * 0.5)
                    .zone(random.nextBoolean() ? "z" + random.nextInt(3) : null).build());
        }
        HashRing before = HashRing.builder().vnodesPerNode(vnodes).nodes(nodes).build();
        String victim = "n" + random.nextInt(n);
        List<UnaryOperator<HashRing>> changes = List.of(
                r -> r.withNode(Node.builder("joiner").zone("z" + random.nextInt(4)).build()),
                r -> r.withoutNode(victim),
                r -> r.withWeight(victim, 0.25 + random.nextInt(8) * 0.5));
        HashRing after = changes.get(random.nextInt(changes.size())).apply(before);
        RebalancePlan plan = RebalancePlan.between(before, after);

        long[] tokens = keyTokens(seed + 100);
        for (long token : tokens) {
            Node was = before.primaryForToken(token);
            Node now = after.primaryForToken(token);
            Optional<RangeMove> move = plan.moveAt(token);
            if (was.id().equals(now.id())) {
                assertThat(move).isEmpty();
            } else {
                assertThat(move).hasValueSatisfying(m -> {
                    assertThat(m.from().id()).isEqualTo(was.id());
                    assertThat(m.to().id()).isEqualTo(now.id());
                });
            }
        }
        for (int r = 1; r <= 3; r++) {
            List<ReplicaChange> changesForR = plan.replicaChanges(r);
            ReplicaChangeIndex index = new ReplicaChangeIndex(changesForR);
            for (long token : tokens) {
                Set<String> was = idSet(before.replicasForToken(token, r));
                Set<String> now = idSet(after.replicasForToken(token, r));
                Optional<ReplicaChange> change = index.at(token);
                if (was.equals(now)) {
                    assertThat(change).isEmpty();
                } else {
                    Set<String> gained = new HashSet<>(now);
                    gained.removeAll(was);
                    Set<String> lost = new HashSet<>(was);
                    lost.removeAll(now);
                    assertThat(change).hasValueSatisfying(c -> {
                        assertThat(c.gained()).isEqualTo(gained);
                        assertThat(c.lost()).isEqualTo(lost);
                    });
                }
            }
        }
    }

    @Test
    void identicalRingsGiveAnEmptyPlan() {
        RebalancePlan plan = RebalancePlan.between(tenNodes(), tenNodes());
        assertThat(plan.isEmpty()).isTrue();
        assertThat(plan.movedFraction()).isZero();
        assertThat(plan.replicaChanges(3)).isEmpty();
    }

    @Test
    void aPlanNeedsTwoNonEmptyRings() {
        assertThatThrownBy(() -> RebalancePlan.between(HashRing.builder().build(), tenNodes()))
                .hasMessageContaining("non-empty").hasMessageContaining("0 and 10");
        assertThatThrownBy(() -> RebalancePlan.between(tenNodes(), tenNodes()).replicaChanges(0))
                .hasMessageContaining("r must be >= 1, was 0");
    }

    private static long[] keyTokens(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] tokens = new long[KEYS];
        for (int i = 0; i < KEYS; i++) {
            tokens[i] = KeyHash.token("key-" + random.nextLong());
        }
        return tokens;
    }

    private static Set<String> idSet(List<Node> nodes) {
        return nodes.stream().map(Node::id).collect(Collectors.toSet());
    }

    /** Finds the change covering a token by binary search over range ends (the first range may wrap). */
    private static final class ReplicaChangeIndex {
        private final List<ReplicaChange> changes;
        private final long[] ends;

        ReplicaChangeIndex(List<ReplicaChange> changes) {
            this.changes = changes;
            this.ends = changes.stream().mapToLong(c -> c.range().end()).toArray();
            for (int i = 1; i < ends.length; i++) {
                assertThat(ends[i]).as("changes ordered by range end").isGreaterThan(ends[i - 1]);
            }
        }

        Optional<ReplicaChange> at(long token) {
            if (changes.isEmpty()) {
                return Optional.empty();
            }
            int i = java.util.Arrays.binarySearch(ends, token);
            if (i < 0) {
                i = -i - 1;
            }
            ReplicaChange c = i < changes.size() ? changes.get(i) : changes.get(0);
            return c.range().contains(token) ? Optional.of(c) : Optional.empty();
        }
    }
}
