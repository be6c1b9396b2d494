package io.ringroute.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReplicaTableTest {

    private static final HashRing RING = HashRing.builder().vnodesPerNode(16).maxReplicas(2)
            .nodes(IntStream.range(0, 7).mapToObj(i -> Node.builder("n" + i).zone("z" + i % 3).build())
                    .collect(Collectors.toList()))
            .build();

    @Test
    void everyReplicaNumberGivesTheValueOfTheNodeReplicasForTokenLists() {
        ReplicaTable<String> table = ReplicaTable.of(RING, n -> "value of " + n.id());
        Random random = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            long token = random.nextLong();
            ReplicaSet replicas = RING.replicasForToken(token, RING.size());
            for (int k = 0; k < RING.size(); k++) { // past maxReplicas the ring walks, as replicasForToken does
                assertThat(table.replica(token, k)).isEqualTo("value of " + replicas.get(k).id());
            }
        }
    }

    @Test
    void oneLookupGivesEveryReplicasValueThroughItsRingPositions() {
        ReplicaTable<String> table = ReplicaTable.of(RING, n -> "value of " + n.id());
        int[] positions = new int[RING.size()];
        Random random = new Random(11);
        for (int i = 0; i < 2_000; i++) {
            long token = random.nextLong();
            int r = 1 + random.nextInt(RING.size());   // within and beyond maxReplicas
            assertThat(table.replicaPositions(token, r, positions)).isEqualTo(r);
            for (int k = 0; k < r; k++) {
                assertThat(table.valueAt(positions[k])).isEqualTo(table.replica(token, k));
            }
        }
        assertThatThrownBy(() -> table.valueAt(7)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ring position 7 out of 0..6");
        assertThatThrownBy(() -> table.replicaPositions(0, 3, new int[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 3");
    }

    @Test
    void replicaCountIsCappedByTheRingSize() {
        ReplicaTable<String> table = ReplicaTable.of(RING, Node::id);
        assertThat(table.replicaCount(2)).isEqualTo(2);
        assertThat(table.replicaCount(9)).isEqualTo(7);
        assertThat(table.ring()).isSameAs(RING);
    }

    @Test
    void aNodeWithoutAValueOrAReplicaNumberOutOfRangeIsRefused() {
        assertThatThrownBy(() -> ReplicaTable.of(RING, n -> n.id().equals("n3") ? null : n.id()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'n3'");
        ReplicaTable<String> table = ReplicaTable.of(RING, Node::id);
        assertThatThrownBy(() -> table.replica(0, 7)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replica number 7");
        assertThatThrownBy(() -> table.replica(0, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
