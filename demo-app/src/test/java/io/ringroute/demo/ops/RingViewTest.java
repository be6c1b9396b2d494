package io.ringroute.demo.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.RangeMove;
import io.ringroute.ring.RebalancePlan;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RingViewTest {
    private static final HashRing THREE = HashRing.builder().vnodesPerNode(64)
            .nodes(List.of(Node.of("a"), Node.of("b"), Node.of("c"))).build();

    @Test
    void drawnSharesAreTheRingsExactOwnership() {
        RingView view = RingView.of(THREE);
        Map<String, Double> exact = THREE.ownership();
        assertThat(view.nodes()).hasSize(3);
        for (RingView.NodeShare n : view.nodes()) {
            assertThat(n.share()).as(n.id()).isCloseTo(exact.get(n.id()), within(1e-9));
        }
    }

    @Test
    void arcsCoverTheCircleOnceAndJoinNeighboursOfOneOwner() {
        double covered = 0;
        List<double[]> arcs = RingView.of(THREE).arcs();
        for (int i = 0; i < arcs.size(); i++) {
            double[] arc = arcs.get(i);
            covered += arc[1] >= arc[0] ? arc[1] - arc[0] : 1 - arc[0] + arc[1];
            assertThat(arc[2]).as("neighbours have different owners")
                    .isNotEqualTo(arcs.get((i + 1) % arcs.size())[2]);
        }
        assertThat(covered).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void handedOverRangesAreDrawnWithTheirNewOwnerUntilTheRingIsTheTarget() {
        HashRing four = THREE.withNode(Node.of("d"));
        List<RangeMove> moves = RebalancePlan.between(THREE, four).moves();

        RingView halfway = RingView.of(THREE, moves.subList(0, moves.size() / 2), List.of("d"));
        RingView done = RingView.of(THREE, moves, List.of("d"));

        double dHalfway = share(halfway, "d");
        assertThat(dHalfway).isGreaterThan(0).isLessThan(four.ownership("d"));
        assertThat(share(done, "d")).isCloseTo(four.ownership("d"), within(1e-9));
        for (String id : List.of("a", "b", "c")) {
            assertThat(share(done, id)).as(id).isCloseTo(four.ownership(id), within(1e-9));
        }
    }

    @Test
    void aJoiningNodeWithNothingHandedOverIsListedWithShareZero() {
        RingView view = RingView.of(THREE, List.of(), List.of("d"));
        assertThat(share(view, "d")).isZero();
        assertThat(view.nodes()).hasSize(4);
    }

    private static double share(RingView view, String id) {
        return view.nodes().stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow().share();
    }
}
