package io.ringroute.shard.reshard;

import io.ringroute.shard.catalog.CatalogMove;
import io.ringroute.shard.catalog.MoveState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moving ranges with the same old and new owner that are handled together: copied in one pass (one COPY, one
 * change-log query, one delete instead of one per range), or handed over under one fence.
 *
 * @param from  the shard that owns the ranges now
 * @param to    the shard that owns them afterwards
 * @param moves the ranges, in plan order
 */
record MoveGroup(String from, String to, List<CatalogMove> moves) {

    MoveGroup {
        moves = List.copyOf(moves);
    }

    /** The most ranges copied in one pass: bounds the size of the statements' token conditions. */
    static final int MAX_RANGES_PER_COPY = 64;

    /**
     * Groups the moves that are not handed over yet for copying. Moves left {@code FENCING} by an interrupted run
     * come first and form one group per shard pair whatever its size: their old owner's minimum epoch was raised
     * for exactly that many hand-overs, so they are handed over together. The others are grouped per shard pair,
     * in plan order, up to {@code maxRows} rows and {@link #MAX_RANGES_PER_COPY} ranges; a range with more rows is
     * a group of its own.
     *
     * @param rows the rows of each move, by move index
     */
    static List<MoveGroup> plan(List<CatalogMove> moves, Map<Integer, Long> rows, long maxRows) {
        List<MoveGroup> out = new ArrayList<>();
        Map<String, List<CatalogMove>> fencing = new LinkedHashMap<>();
        Map<String, List<CatalogMove>> pending = new LinkedHashMap<>();
        for (CatalogMove m : moves) {
            if (!m.state().handedOver()) {
                (m.state() == MoveState.FENCING ? fencing : pending)
                        .computeIfAbsent(m.from() + '\0' + m.to(), k -> new ArrayList<>()).add(m);
            }
        }
        fencing.values().forEach(ms -> out.add(of(ms)));
        for (List<CatalogMove> pair : pending.values()) {
            List<CatalogMove> group = new ArrayList<>();
            long groupRows = 0;
            for (CatalogMove m : pair) {
                long r = rows.getOrDefault(m.index(), 0L);
                if (!group.isEmpty() && (groupRows + r > maxRows || group.size() == MAX_RANGES_PER_COPY)) {
                    out.add(of(group));
                    group = new ArrayList<>();
                    groupRows = 0;
                }
                group.add(m);
                groupRows += r;
            }
            if (!group.isEmpty()) {
                out.add(of(group));
            }
        }
        out.sort((a, b) -> Integer.compare(a.order(), b.order()));
        return out;
    }

    /** The moves handed over but not cleaned up, grouped per shard pair to be cleaned up together. */
    static List<MoveGroup> handedOverNotCleaned(List<CatalogMove> moves) {
        Map<String, List<CatalogMove>> pairs = new LinkedHashMap<>();
        for (CatalogMove m : moves) {
            if (m.state() == MoveState.MOVED) {
                pairs.computeIfAbsent(m.from() + '\0' + m.to(), k -> new ArrayList<>()).add(m);
            }
        }
        List<MoveGroup> out = new ArrayList<>();
        pairs.values().forEach(ms -> out.addAll(chunks(ms, MAX_RANGES_PER_COPY)));
        return out;
    }

    private static List<MoveGroup> chunks(List<CatalogMove> moves, int size) {
        List<MoveGroup> out = new ArrayList<>();
        for (int i = 0; i < moves.size(); i += size) {
            out.add(of(moves.subList(i, Math.min(moves.size(), i + size))));
        }
        return out;
    }

    private static MoveGroup of(List<CatalogMove> moves) {
        return new MoveGroup(moves.get(0).from(), moves.get(0).to(), moves);
    }

    /**
     * The cutovers of this group: runs of at most {@code maxRanges} ranges, or the whole group if an interrupted
     * run left it fenced.
     */
    List<MoveGroup> cutovers(int maxRanges) {
        return fencing() ? List.of(this) : chunks(moves, maxRanges);
    }

    /** True if an interrupted run left these moves fenced: copied and caught up, waiting for the hand-over. */
    boolean fencing() {
        return moves.get(0).state() == MoveState.FENCING;
    }

    /** The tokens of all the group's ranges. */
    Segments tokens() {
        return Segments.of(moves.stream().map(CatalogMove::range).toList());
    }

    int size() {
        return moves.size();
    }

    /** Fenced groups first (their old owner refuses writes until they are handed over), then plan order. */
    private int order() {
        return fencing() ? -1 : moves.get(0).index();
    }
}
