package io.ringroute.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;

/** Places every key before and after a {@link Scenario} with each scheme and counts what moved. */
public final class MovementRun {

    private final Scenario scenario;
    private final KeySample keys;
    private final int maxReplicas;

    public MovementRun(Scenario scenario, KeySample keys, int maxReplicas) {
        if (maxReplicas < 1) {
            throw new HarnessException("the replica count must be >= 1, was " + maxReplicas);
        }
        this.scenario = scenario;
        this.keys = keys;
        this.maxReplicas = maxReplicas;
    }

    /** Key placements this run performs, for a progress bar. */
    public long work(List<Scheme> schemes) {
        long perR = 0;
        for (Scheme s : schemes) {
            perR += s.replicated() ? maxReplicas : 1;
        }
        return perR * keys.size();
    }

    public List<MovementRow> measure(List<Scheme> schemes, Progress progress) {
        List<MovementRow> rows = new ArrayList<>();
        for (Scheme scheme : schemes) {
            if (scenario.weightsOnly() && !scheme.weighted()) {
                rows.add(MovementRow.unsupported(scheme.name(), 1, scenario.ideal(1), "no weights"));
                progress.step((long) keys.size() * (scheme.replicated() ? maxReplicas : 1));
                continue;
            }
            KeyRouter before = scheme.create(scenario.before());
            KeyRouter after = before.with(scenario.after());
            int rMax = scheme.replicated() ? maxReplicas : 1;
            for (int r = 1; r <= rMax; r++) {
                rows.add(measure(scheme.name(), before, after, r));
                progress.step(keys.size());
            }
        }
        return rows;
    }

    private MovementRow measure(String name, KeyRouter before, KeyRouter after, int r) {
        Set<String> changed = scenario.changed();
        String[] b = new String[r];
        String[] a = new String[r];
        long moved = 0;
        long unchanged = 0;
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.key(i);
            long token = keys.token(i);
            int nb;
            int na;
            if (r == 1) {
                b[0] = before.owner(key, token);
                a[0] = after.owner(key, token);
                nb = 1;
                na = 1;
            } else {
                nb = before.replicas(key, token, r, b);
                na = after.replicas(key, token, r, a);
            }
            if (!sameSet(b, nb, a, na)) {
                moved++;
                if (!involves(b, nb, changed) && !involves(a, na, changed)) {
                    unchanged++;
                }
            }
        }
        int k = keys.size();
        double p = (double) moved / k;
        OptionalDouble exact = before.exactMovedFraction(after, r);
        return new MovementRow(name, r, p, exact.orElse(Double.NaN), scenario.ideal(r), (double) unchanged / k,
                Math.sqrt(p * (1 - p) / k), "");
    }

    private static boolean sameSet(String[] x, int nx, String[] y, int ny) {
        if (nx != ny) {
            return false;
        }
        outer:
        for (int i = 0; i < nx; i++) {
            for (int j = 0; j < ny; j++) {
                if (x[i].equals(y[j])) {
                    continue outer;
                }
            }
            return false;
        }
        return true;
    }

    private static boolean involves(String[] ids, int n, Set<String> changed) {
        for (int i = 0; i < n; i++) {
            if (changed.contains(ids[i])) {
                return true;
            }
        }
        return false;
    }
}
