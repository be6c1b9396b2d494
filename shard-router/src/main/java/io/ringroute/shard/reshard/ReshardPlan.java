package io.ringroute.shard.reshard;

import io.ringroute.ring.RangeMove;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a resharding would do: the moving token ranges (the ring's rebalance plan) with the rows each holds now.
 *
 * @param from          shard weights before
 * @param to            shard weights after
 * @param moves         the moving ranges in plan order, with their current row counts
 * @param movedFraction the share of the token circle that changes owner
 * @param totalRows     rows of all registered tables on the shards before
 */
public record ReshardPlan(Map<String, Double> from, Map<String, Double> to, List<PlannedMove> moves,
                          double movedFraction, long totalRows) {

    /**
     * One moving range.
     *
     * @param move the range and its old and new owner
     * @param rows rows of the registered tables in it
     */
    public record PlannedMove(RangeMove move, long rows) {
    }

    public ReshardPlan {
        from = Map.copyOf(from);
        to = Map.copyOf(to);
        moves = List.copyOf(moves);
    }

    /** Rows in the moving ranges. */
    public long rowsToMove() {
        return moves.stream().mapToLong(PlannedMove::rows).sum();
    }

    /** A human summary: one line per (from, to) pair, then totals. */
    public String describe() {
        Map<String, long[]> pairs = new TreeMap<>();   // ranges, rows
        Map<String, Double> shares = new TreeMap<>();
        for (PlannedMove m : moves) {
            String key = m.move().from().id() + " -> " + m.move().to().id();
            long[] acc = pairs.computeIfAbsent(key, k -> new long[2]);
            acc[0]++;
            acc[1] += m.rows();
            shares.merge(key, m.move().range().fraction(), Double::sum);
        }
        StringBuilder out = new StringBuilder();
        out.append("shards before: ").append(new TreeMap<>(from)).append('\n');
        out.append("shards after:  ").append(new TreeMap<>(to)).append('\n');
        pairs.forEach((k, v) -> out.append(String.format("  %-24s %5d ranges  %6.2f%% of the ring  %10d rows%n", k,
                v[0], 100 * shares.get(k), v[1])));
        out.append(String.format("total: %d ranges, %.2f%% of the ring, %d of %d rows move (%.2f%%)%n",
                moves.size(), 100 * movedFraction, rowsToMove(), totalRows,
                totalRows == 0 ? 0.0 : 100.0 * rowsToMove() / totalRows));
        return out.toString();
    }
}
