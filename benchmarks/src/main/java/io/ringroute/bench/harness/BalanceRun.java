package io.ringroute.bench.harness;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Places every key on n equal nodes with each scheme and measures each node's share. */
public final class BalanceRun {

    private final KeySample keys;

    public BalanceRun(KeySample keys) {
        this.keys = keys;
    }

    public BalanceRow measure(int n, Scheme scheme, Progress progress) {
        Membership membership = Membership.ofSize(n);
        KeyRouter router = scheme.create(membership);
        List<String> ids = membership.ids();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            index.put(ids.get(i), i);
        }
        long[] counts = new long[n];
        for (int i = 0; i < keys.size(); i++) {
            counts[index.get(router.owner(keys.key(i), keys.token(i)))]++;
        }
        progress.step(keys.size());
        double[] sampled = new double[n];
        for (int i = 0; i < n; i++) {
            sampled[i] = (double) counts[i] / keys.size();
        }
        Map<String, Double> exactById = router.exactShares();
        double[] exact = new double[exactById.isEmpty() ? 0 : n];
        for (int i = 0; i < exact.length; i++) {
            exact[i] = exactById.get(ids.get(i));
        }
        return new BalanceRow(n, scheme.name(), ids, sampled, exact, ShareStats.of(sampled),
                exact.length == 0 ? ShareStats.NONE : ShareStats.of(exact), router.estimatedBytes());
    }

    public List<BalanceRow> measure(List<Integer> nodeCounts, List<Scheme> schemes, Progress progress) {
        List<BalanceRow> rows = new ArrayList<>();
        for (int n : nodeCounts) {
            if (n < 1) {
                throw new HarnessException("the number of nodes must be >= 1, was " + n);
            }
            for (Scheme s : schemes) {
                rows.add(measure(n, s, progress));
            }
        }
        return rows;
    }
}
