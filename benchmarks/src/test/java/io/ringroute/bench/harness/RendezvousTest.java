package io.ringroute.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RendezvousTest {

    private static final List<String> IDS = List.of("a", "b", "c", "d", "e");

    @Test
    void topReplicasAreDistinctAndStartWithThePick() {
        Rendezvous r = Rendezvous.of(IDS);
        SplittableRandom random = new SplittableRandom(1);
        int[] out = new int[3];
        for (int i = 0; i < 10_000; i++) {
            long h = random.nextLong();
            assertThat(r.top(h, 3, out)).isEqualTo(3);
            assertThat(out[0]).isEqualTo(r.pick(h));
            assertThat(out).doesNotHaveDuplicates();
        }
    }

    @Test
    void askingForMoreReplicasThanNodesReturnsEveryNode() {
        int[] out = new int[8];
        assertThat(Rendezvous.of(IDS).top(99, 8, out)).isEqualTo(5);
        assertThat(new int[] {out[0], out[1], out[2], out[3], out[4]}).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    }

    @Test
    void weightOneRanksNodesAsTheUnweightedScore() {
        Rendezvous plain = Rendezvous.of(IDS);
        // One weight != 1 switches to the logarithmic score; the other nodes must keep their relative order.
        Rendezvous weighted = Rendezvous.weighted(IDS, new double[] {1, 1, 1, 1, 1 + 1e-9});
        SplittableRandom random = new SplittableRandom(2);
        int same = 0;
        for (int i = 0; i < 10_000; i++) {
            long h = random.nextLong();
            if (plain.pick(h) == weighted.pick(h)) {
                same++;
            }
        }
        assertThat(same).isEqualTo(10_000);
    }

    @Test
    void aNodeOfWeightTwoGetsTwiceTheShare() {
        Rendezvous r = Rendezvous.weighted(IDS, new double[] {2, 1, 1, 1, 1});
        SplittableRandom random = new SplittableRandom(3);
        int n = 200_000;
        int first = 0;
        for (int i = 0; i < n; i++) {
            if (r.pick(random.nextLong()) == 0) {
                first++;
            }
        }
        double expected = 2.0 / 6;
        assertThat((double) first / n).isCloseTo(expected, within(5 * Math.sqrt(expected * (1 - expected) / n)));
    }
}
