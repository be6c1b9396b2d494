package io.ringroute.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A ring changed by {@code withNode} / {@code withoutNode} / {@code withWeight} / {@code withNodeReplaced} is
 * rebuilt from the previous ring's arrays; it must equal, token for token and replica list for replica list, the
 * ring built from scratch over the same nodes.
 */
class RingRebuildTest {

    private static final String[] ZONES = {null, "z1", "z2", "z3"};

    @Test
    void aRingChangedStepByStepEqualsTheRingBuiltFromScratchWithRandomVnodesAndZones() {
        Random random = new Random(13);
        for (int run = 0; run < 12; run++) {
            boolean zoned = run % 2 == 0;
            int vnodes = 1 + random.nextInt(12);
            HashRing ring = HashRing.builder().vnodesPerNode(vnodes).maxReplicas(3).build();
            List<Node> nodes = new ArrayList<>();
            for (int step = 0; step < 25; step++) {
                ring = change(ring, nodes, random, zoned, step);
                HashRing scratch = HashRing.builder().vnodesPerNode(vnodes).maxReplicas(3).nodes(ring.nodes()).build();
                assertSame(ring, scratch, "run " + run + " step " + step);
            }
        }
    }

    @Test
    void anAllocatedRingChangedStepByStepEqualsTheRingBuiltFromItsLayout() {
        Random random = new Random(17);
        HashRing ring = HashRing.builder().layout(TokenLayout.empty(8, 3)).build();
        List<Node> nodes = new ArrayList<>();
        for (int step = 0; step < 40; step++) {
            ring = change(ring, nodes, random, true, step);
            HashRing scratch = HashRing.builder().layout(ring.layout().orElseThrow()).nodes(ring.nodes()).build();
            assertSame(ring, scratch, "step " + step);
        }
    }

    private static HashRing change(HashRing ring, List<Node> nodes, Random random, boolean zoned, int step) {
        int kind = nodes.size() < 5 ? 0 : random.nextInt(5);
        if (kind <= 1) {
            Node n = Node.builder("n" + step).weight(1 + random.nextInt(3) / 2.0)
                    .zone(zoned ? ZONES[random.nextInt(ZONES.length)] : null).build();
            nodes.add(n);
            return ring.withNode(n);
        }
        Node victim = nodes.get(random.nextInt(nodes.size()));
        if (kind == 2) {
            nodes.remove(victim);
            return ring.withoutNode(victim.id());
        }
        if (kind == 3) {
            Node heavier = victim.withWeight(victim.weight() + 0.5);
            nodes.set(nodes.indexOf(victim), heavier);
            return ring.withWeight(victim.id(), heavier.weight());
        }
        Node moved = Node.builder(victim.id()).weight(victim.weight())
                .zone(zoned ? ZONES[random.nextInt(ZONES.length)] : null).build();
        nodes.set(nodes.indexOf(victim), moved);
        return ring.withNodeReplaced(moved);
    }

    private static void assertSame(HashRing changed, HashRing scratch, String where) {
        assertThat(changed).as(where).isEqualTo(scratch);
        assertThat(changed.ownership()).as(where).isEqualTo(scratch.ownership());
        Node[] a = new Node[3];
        Node[] b = new Node[3];
        for (long t : scratch.tokens()) {
            int n = changed.replicasForToken(t, 3, a);
            assertThat(scratch.replicasForToken(t, 3, b)).isEqualTo(n);
            assertThat(a).as("%s: replicas at token %d", where, t).isEqualTo(b);
            assertThat(changed.primaryForToken(t + 1)).isEqualTo(scratch.primaryForToken(t + 1));
        }
    }
}
