package io.ringroute.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * What changes between two rings: the exact token ranges whose primary owner changes, and on request the ranges
 * whose replica set changes for a replication factor. Computed from the union of both rings' tokens, so it agrees
 * with a key-by-key comparison of the two rings for every possible key.
 */
public final class RebalancePlan {

    private final HashRing before;
    private final HashRing after;
    private final long[] bounds;          // union of both rings' tokens, sorted; elementary arcs end at these
    private final List<RangeMove> moves;  // merged, ordered by range end; only the first may wrap
    private final long[] moveEnds;

    private RebalancePlan(HashRing before, HashRing after) {
        this.before = before;
        this.after = after;
        this.bounds = union(before.tokens(), after.tokens());
        this.moves = computeMoves();
        this.moveEnds = new long[moves.size()];
        for (int i = 0; i < moveEnds.length; i++) {
            moveEnds[i] = moves.get(i).range().end();
        }
    }

    /** The plan that takes {@code before} to {@code after}. Both rings must have at least one node. */
    public static RebalancePlan between(HashRing before, HashRing after) {
        if (before == null || after == null) {
            throw new IllegalArgumentException("both rings are required, got before=" + before + ", after=" + after);
        }
        if (before.isEmpty() || after.isEmpty()) {
            throw new IllegalArgumentException("a rebalance plan needs two non-empty rings, got "
                    + before.size() + " and " + after.size() + " nodes");
        }
        return new RebalancePlan(before, after);
    }

    public HashRing before() {
        return before;
    }

    public HashRing after() {
        return after;
    }

    /** Ranges whose primary changes, adjacent ranges with the same (from, to) merged, ordered by range end. */
    public List<RangeMove> moves() {
        return moves;
    }

    public boolean isEmpty() {
        return moves.isEmpty();
    }

    /** The move covering a token, if its primary changes. */
    public Optional<RangeMove> moveAt(long token) {
        if (moves.isEmpty()) {
            return Optional.empty();
        }
        RangeMove candidate = moves.get(TokenSearch.arcIndex(moveEnds, token));
        return candidate.range().contains(token) ? Optional.of(candidate) : Optional.empty();
    }

    /** The share of the circle whose primary changes: the expected share of keys that move. */
    public double movedFraction() {
        double f = 0;
        for (RangeMove m : moves) {
            f += m.range().fraction();
        }
        return f;
    }

    /**
     * Ranges whose set of {@code r} replicas changes (a reorder of the same nodes is not a change), adjacent ranges
     * with equal before and after lists merged.
     */
    public List<ReplicaChange> replicaChanges(int r) {
        if (r < 1) {
            throw new IllegalArgumentException("replica count r must be >= 1, was " + r);
        }
        List<ReplicaChange> out = new ArrayList<>();
        for (int k = 0; k < bounds.length; k++) {
            long end = bounds[k];
            ReplicaSet b = before.replicasForToken(end, r);
            ReplicaSet a = after.replicasForToken(end, r);
            if (sameIds(b, a)) {
                continue;
            }
            TokenRange range = new TokenRange(bounds[(k == 0 ? bounds.length : k) - 1], end);
            ReplicaChange last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.range().end() == range.start() && idsEqualInOrder(last.before(), b)
                    && idsEqualInOrder(last.after(), a)) {
                out.set(out.size() - 1, new ReplicaChange(new TokenRange(last.range().start(), end), b, a));
            } else {
                out.add(new ReplicaChange(range, b, a));
            }
        }
        return Collections.unmodifiableList(out);
    }

    private List<RangeMove> computeMoves() {
        List<RangeMove> out = new ArrayList<>();
        for (int k = 0; k < bounds.length; k++) {
            long end = bounds[k];
            Node from = before.primaryForToken(end);
            Node to = after.primaryForToken(end);
            if (from.id().equals(to.id())) {
                continue;
            }
            long start = bounds[(k == 0 ? bounds.length : k) - 1];
            RangeMove last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.range().end() == start && last.from().id().equals(from.id())
                    && last.to().id().equals(to.id())) {
                out.set(out.size() - 1, new RangeMove(new TokenRange(last.range().start(), end), from, to));
            } else {
                out.add(new RangeMove(new TokenRange(start, end), from, to));
            }
        }
        return Collections.unmodifiableList(out);
    }

    private static boolean sameIds(List<Node> a, List<Node> b) {
        if (a.size() != b.size()) {
            return false;
        }
        outer:
        for (Node x : a) {
            for (Node y : b) {
                if (x.id().equals(y.id())) {
                    continue outer;
                }
            }
            return false;
        }
        return true;
    }

    private static boolean idsEqualInOrder(List<Node> a, List<Node> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).id().equals(b.get(i).id())) {
                return false;
            }
        }
        return true;
    }

    private static long[] union(long[] a, long[] b) {
        long[] all = new long[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        Arrays.sort(all);
        int n = 0;
        for (int i = 0; i < all.length; i++) {
            if (n == 0 || all[i] != all[n - 1]) {
                all[n++] = all[i];
            }
        }
        return Arrays.copyOf(all, n);
    }

    @Override
    public String toString() {
        return "RebalancePlan{" + moves.size() + " moving ranges, " + String.format("%.4f", movedFraction())
                + " of the ring}";
    }
}
