package io.ringroute.bench.harness;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Grows a cluster one node at a time from {@code from} to {@code to} nodes with each scheme, then removes a random
 * tenth one at a time and, for allocated rings, applies the restore step; records peak/mean for r = 1..3 after every
 * step. Rings report exact shares from arc lengths at every step; the other schemes are sampled from keys at the
 * checkpoints only (their shares have no closed form here, and sampling a scheme that is O(N) per key at every step
 * would take hours).
 */
public final class GrowthRun {

    /** One measurement: after a step of a phase ("grow", "remove", "restore"), at n nodes. */
    public record Row(String scheme, String phase, int n, int r, double peakToMean, boolean exact, double moved) {
    }

    private final KeySample keys;
    private final int from;
    private final int to;
    private final double removeFraction;
    private final int restoreMoves;
    private final long seed;

    public GrowthRun(KeySample keys, int from, int to, double removeFraction, int restoreMoves, long seed) {
        if (from < 1 || to < from) {
            throw new HarnessException("need 1 <= --from <= --to, got from " + from + " to " + to);
        }
        if (!(removeFraction >= 0 && removeFraction < 1)) {
            throw new HarnessException("--remove-fraction must be in [0, 1), was " + removeFraction);
        }
        this.keys = keys;
        this.from = from;
        this.to = to;
        this.removeFraction = removeFraction;
        this.restoreMoves = restoreMoves;
        this.seed = seed;
    }

    /** The node counts where sampled schemes are measured: 3..10, then 1-2-5 steps, and the end. */
    boolean checkpoint(int n) {
        if (n <= 10 || n == to) {
            return true;
        }
        int p = 1;
        while (p * 10 <= n) {
            p *= 10;
        }
        return n == p || n == 2 * p || n == 5 * p;
    }

    public List<Row> measure(Scheme scheme, Progress progress) {
        List<Row> rows = new ArrayList<>();
        Membership m = Membership.ofSize(from);
        KeyRouter router = scheme.create(m);
        record(rows, scheme, "grow", router, m);
        while (m.size() < to) {
            m = m.plus(1);
            router = router.with(m);
            record(rows, scheme, "grow", router, m);
            progress.step(1);
        }
        int removals = (int) Math.round(m.size() * removeFraction);
        SplittableRandom random = new SplittableRandom(seed);
        for (int k = 0; k < removals; k++) {
            String victim = m.ids().get(random.nextInt(m.size()));
            m = m.minus(Set.of(victim));
            router = router.with(m);
            boolean last = k == removals - 1;
            if (router instanceof RingRouter || last) {
                record(rows, scheme, "remove", router, m);
            }
        }
        if (removals > 0 && restoreMoves > 0 && router instanceof RingRouter ring
                && scheme.name().startsWith("alloc")) {
            RingRouter restored = ring.rebalanced(restoreMoves);
            int first = rows.size();
            record(rows, scheme, "restore", restored, m);
            for (int i = first; i < rows.size(); i++) {
                Row row = rows.get(i);
                double moved = ring.exactMovedFraction(restored, row.r()).orElse(Double.NaN);
                rows.set(i, new Row(row.scheme(), row.phase(), row.n(), row.r(), row.peakToMean(), true, moved));
            }
        }
        return rows;
    }

    private void record(List<Row> rows, Scheme scheme, String phase, KeyRouter router, Membership m) {
        int n = m.size();
        int maxR = scheme.replicated() ? Math.min(3, n) : 1;
        if (router instanceof RingRouter ring) {
            for (int r = 1; r <= maxR; r++) {
                rows.add(new Row(scheme.name(), phase, n, r, peak(ring.exactShares(r), m, r), true, Double.NaN));
            }
            return;
        }
        if (!checkpoint(n) && phase.equals("grow")) {
            return;
        }
        Map<String, Integer> index = new HashMap<>();
        List<String> ids = m.ids();
        for (int i = 0; i < ids.size(); i++) {
            index.put(ids.get(i), i);
        }
        for (int r = 1; r <= maxR; r++) {
            long[] counts = new long[n];
            String[] out = new String[r];
            for (int i = 0; i < keys.size(); i++) {
                if (r == 1) {
                    counts[index.get(router.owner(keys.key(i), keys.token(i)))]++;
                } else {
                    int got = router.replicas(keys.key(i), keys.token(i), r, out);
                    for (int j = 0; j < got; j++) {
                        counts[index.get(out[j])]++;
                    }
                }
            }
            Map<String, Double> share = new HashMap<>();
            for (int i = 0; i < n; i++) {
                share.put(ids.get(i), (double) counts[i] / keys.size());
            }
            rows.add(new Row(scheme.name(), phase, n, r, peak(share, m, r), false, Double.NaN));
        }
    }

    /** The largest share over its weight's fair part of min(r, n). */
    static double peak(Map<String, Double> share, Membership m, int r) {
        double total = m.totalWeight();
        double peak = 0;
        for (Member member : m.members()) {
            double fair = Math.min(r, m.size()) * member.weight() / total;
            peak = Math.max(peak, share.getOrDefault(member.id(), 0.0) / fair);
        }
        return peak;
    }

    int steps() {
        return to - from;
    }
}
