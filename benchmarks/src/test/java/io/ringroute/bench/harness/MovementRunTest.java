package io.ringroute.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MovementRunTest {

    private static final KeySample KEYS = KeySample.generate(100_000, 16, 7);
    /** Five standard errors: a correct figure falls outside about once in two million runs. */
    private static final double SIGMAS = 5;

    private static MovementRow only(Scenario scenario, Scheme scheme, int r) {
        List<MovementRow> rows = new MovementRun(scenario, KEYS, r).measure(List.of(scheme), Progress.NONE);
        return rows.get(rows.size() - 1);
    }

    private static double tolerance(double p) {
        return SIGMAS * Math.sqrt(p * (1 - p) / KEYS.size());
    }

    @Test
    void moduloFromThreeToFourNodesMovesThreeQuartersOfTheKeys() {
        MovementRow row = only(Scenario.add(3, 1), Scheme.modulo(), 1);
        assertThat(row.moved()).isCloseTo(3.0 / 4, within(tolerance(3.0 / 4)));
    }

    @Test
    void moduloFromTenToElevenNodesMovesTenEleventhsOfTheKeys() {
        MovementRow row = only(Scenario.add(10, 1), Scheme.modulo(), 1);
        assertThat(row.moved()).isCloseTo(10.0 / 11, within(tolerance(10.0 / 11)));
        assertThat(row.ideal()).isCloseTo(1.0 / 11, within(1e-12));
    }

    @Test
    void ringMovesTheNewNodesExactOwnership() {
        Scenario add = Scenario.add(10, 1);
        MovementRow row = only(add, Scheme.ring(256, 3), 1);
        double newShare = HashRing.builder().vnodesPerNode(256)
                .nodes(add.after().ids().stream().map(Node::of).toList()).build()
                .ownership("node-10");
        assertThat(row.exact()).isCloseTo(newShare, within(1e-12));
        assertThat(row.moved()).isCloseTo(newShare, within(tolerance(newShare)));
    }

    @Test
    void ringReplicaSetMovementAgreesWithItsRebalancePlan() {
        for (Scenario scenario : List.of(Scenario.add(10, 1), Scenario.remove(10, Set.of("node-4")))) {
            List<MovementRow> rows = new MovementRun(scenario, KEYS, 3)
                    .measure(List.of(Scheme.ring(64, 3)), Progress.NONE);
            assertThat(rows).hasSize(3);
            for (MovementRow row : rows) {
                assertThat(row.moved()).as("R=%d %s", row.replicas(), scenario.description())
                        .isCloseTo(row.exact(), within(tolerance(row.exact())));
            }
        }
    }

    @Test
    void ringJumpAndRendezvousNeverMoveKeysBetweenUnchangedNodesWhenTheLastNodeIsAdded() {
        List<Scheme> schemes = List.of(Scheme.ring(100, 3), Scheme.jump(), Scheme.jumpBack(), Scheme.rendezvous(),
                Scheme.anchor());
        List<MovementRow> rows = new MovementRun(Scenario.add(10, 2), KEYS, 3).measure(schemes, Progress.NONE);
        assertThat(rows).allSatisfy(r -> assertThat(r.betweenUnchanged()).as(r.scheme() + " R=" + r.replicas())
                .isZero());
    }

    @Test
    void ringRendezvousAndAnchorRemoveAnyNodeWithoutMovingOtherKeys() {
        List<Scheme> schemes = List.of(Scheme.ring(100, 3), Scheme.rendezvous(), Scheme.anchor(), Scheme.ketama());
        Scenario scenario = Scenario.remove(10, Set.of("node-2", "node-6"));
        List<MovementRow> rows = new MovementRun(scenario, KEYS, 3).measure(schemes, Progress.NONE);
        assertThat(rows).allSatisfy(r -> assertThat(r.betweenUnchanged()).as(r.scheme() + " R=" + r.replicas())
                .isZero());
        MovementRow anchor = rows.stream().filter(r -> r.scheme().equals("anchor")).findFirst().orElseThrow();
        assertThat(anchor.moved()).isCloseTo(0.2, within(tolerance(0.2)));
    }

    @Test
    void jumpRenumbersNodesWhenOneInTheMiddleIsRemoved() {
        MovementRow row = only(Scenario.remove(10, Set.of("node-3")), Scheme.jump(), 1);
        assertThat(row.betweenUnchanged()).isGreaterThan(0.3);
    }

    @Test
    void reweightingMovesRingKeysOnlyToTheReweightedNode() {
        Scenario scenario = Scenario.reweight(10, "node-3", 2.0);
        List<MovementRow> rows = new MovementRun(scenario, KEYS, 3)
                .measure(List.of(Scheme.ring(256, 3), Scheme.rendezvous()), Progress.NONE);
        assertThat(rows).allSatisfy(r -> assertThat(r.betweenUnchanged()).as(r.scheme() + " R=" + r.replicas())
                .isZero());
        MovementRow rendezvous = rows.stream().filter(r -> r.scheme().equals("rendezvous") && r.replicas() == 1)
                .findFirst().orElseThrow();
        assertThat(rendezvous.moved()).isCloseTo(scenario.ideal(1), within(tolerance(scenario.ideal(1))));
    }

    @Test
    void schemesWithoutWeightsAreReportedAsNotApplicableToAWeightChange() {
        MovementRow row = only(Scenario.reweight(10, "node-3", 2.0), Scheme.jump(), 1);
        assertThat(row.measured()).isFalse();
        assertThat(row.note()).isEqualTo("no weights");
    }

    @Test
    void idealReplicaSetMovementIsTheChanceARandomSetHoldsAChangedNode() {
        assertThat(Scenario.add(10, 1).ideal(1)).isCloseTo(1.0 / 11, within(1e-12));
        assertThat(Scenario.add(10, 1).ideal(3)).isCloseTo(3.0 / 11, within(1e-12));
        assertThat(Scenario.removeLast(10, 1).ideal(2)).isCloseTo(2.0 / 10, within(1e-12));
        assertThat(Scenario.reweight(10, "node-0", 2).ideal(1)).isCloseTo(2.0 / 11 - 1.0 / 10, within(1e-12));
    }
}
