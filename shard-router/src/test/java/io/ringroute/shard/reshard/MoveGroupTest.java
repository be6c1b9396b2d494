package io.ringroute.shard.reshard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringroute.ring.TokenRange;
import io.ringroute.shard.catalog.CatalogMove;
import io.ringroute.shard.catalog.MoveState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MoveGroupTest {

    @Test
    void smallRangesOfOneShardPairAreCopiedTogetherUpToTheBatchSize() {
        List<CatalogMove> moves = List.of(move(0, "a", "c", MoveState.PENDING), move(1, "b", "c", MoveState.PENDING),
                move(2, "a", "c", MoveState.PENDING), move(3, "a", "c", MoveState.PENDING),
                move(4, "b", "c", MoveState.PENDING));
        Map<Integer, Long> rows = Map.of(0, 400L, 1, 300L, 2, 500L, 3, 200L, 4, 100L);

        List<MoveGroup> groups = MoveGroup.plan(moves, rows, 1000);

        assertThat(groups).extracting(MoveGroupTest::indexes)
                .containsExactly(List.of(0, 2), List.of(1, 4), List.of(3));
        assertThat(groups).allSatisfy(g -> assertThat(g.moves()).allMatch(m -> m.from().equals(g.from())
                && m.to().equals(g.to())));
    }

    @Test
    void aRangeLargerThanTheBatchSizeIsAGroupOfItsOwn() {
        List<CatalogMove> moves = List.of(move(0, "a", "c", MoveState.PENDING), move(1, "a", "c", MoveState.PENDING),
                move(2, "a", "c", MoveState.PENDING));

        List<MoveGroup> groups = MoveGroup.plan(moves, Map.of(0, 10L, 1, 5000L, 2, 10L), 1000);

        assertThat(groups).extracting(MoveGroupTest::indexes)
                .containsExactly(List.of(0), List.of(1), List.of(2));
    }

    @Test
    void handedOverMovesAreLeftOutAndMovesLeftFencingComeFirstAsOneCutover() {
        List<CatalogMove> moves = new ArrayList<>();
        moves.add(move(0, "a", "c", MoveState.CLEANED));
        moves.add(move(1, "a", "c", MoveState.MOVED));
        moves.add(move(2, "b", "c", MoveState.PENDING));
        for (int i = 3; i < 9; i++) {
            moves.add(move(i, "a", "c", MoveState.FENCING));
        }
        Map<Integer, Long> rows = new HashMap<>();
        moves.forEach(m -> rows.put(m.index(), 900L));

        List<MoveGroup> groups = MoveGroup.plan(moves, rows, 1000);

        // the six fenced moves were copied and the old owner's minimum epoch raised for six hand-overs
        assertThat(groups).extracting(MoveGroupTest::indexes)
                .containsExactly(List.of(3, 4, 5, 6, 7, 8), List.of(2));
        assertThat(groups.get(0).fencing()).isTrue();
        assertThat(groups.get(0).cutovers(2)).hasSize(1);
        assertThat(MoveGroup.handedOverNotCleaned(moves)).extracting(MoveGroupTest::indexes)
                .containsExactly(List.of(1));
    }

    @Test
    void aCopiedGroupIsHandedOverAtMostTheGivenNumberOfRangesPerCutover() {
        List<CatalogMove> moves = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            moves.add(move(i, "a", "c", MoveState.PENDING));
        }

        MoveGroup group = MoveGroup.plan(moves, Map.of(), 1000).get(0);

        assertThat(group.cutovers(3)).extracting(MoveGroupTest::indexes)
                .containsExactly(List.of(0, 1, 2), List.of(3, 4, 5), List.of(6));
    }

    @Test
    void aGroupsTokensAreTheClosedIntervalsOfItsRangesWithTheWrappingOneSplit() {
        MoveGroup group = new MoveGroup("a", "c", List.of(
                new CatalogMove(0, new TokenRange(10, 20), "a", "c", MoveState.PENDING, 0),
                new CatalogMove(1, new TokenRange(Long.MAX_VALUE - 5, Long.MIN_VALUE + 5), "a", "c",
                        MoveState.PENDING, 0)));

        assertThat(group.tokens().condition("tok")).isEqualTo("(tok BETWEEN 11 AND 20 OR tok BETWEEN "
                + (Long.MAX_VALUE - 4) + " AND " + Long.MAX_VALUE + " OR tok BETWEEN " + Long.MIN_VALUE + " AND "
                + (Long.MIN_VALUE + 5) + ")");
    }

    private static CatalogMove move(int index, String from, String to, MoveState state) {
        long start = -1_000_000L + 1000L * index;
        return new CatalogMove(index, new TokenRange(start, start + 1000), from, to, state, 0);
    }

    private static List<Integer> indexes(MoveGroup g) {
        return g.moves().stream().map(CatalogMove::index).toList();
    }
}
