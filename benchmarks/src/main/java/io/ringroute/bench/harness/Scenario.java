package io.ringroute.bench.harness;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A membership change to measure: the cluster before and after, and the nodes the change touches (added, removed or
 * re-weighted). Keys may legitimately move only to or from those nodes.
 *
 * @param description what changes, for report headers ("10 -> 11 nodes (add node-10)")
 * @param before      the cluster before
 * @param after       the cluster after
 * @param changed     the ids of the added, removed or re-weighted nodes
 * @param weightsOnly true when no node joins or leaves
 */
public record Scenario(String description, Membership before, Membership after, Set<String> changed,
                       boolean weightsOnly) {

    public static Scenario add(int n, int k) {
        Membership before = Membership.ofSize(n);
        Membership after = before.plus(k);
        Set<String> added = new LinkedHashSet<>(after.ids());
        added.removeAll(before.ids());
        return new Scenario(n + " -> " + (n + k) + " nodes (add " + String.join(", ", added) + ")",
                before, after, added, false);
    }

    /** Removes the k nodes that joined last, the only removal that jump hashes handle consistently. */
    public static Scenario removeLast(int n, int k) {
        Membership before = Membership.ofSize(n);
        Membership after = before.minusLast(k);
        return removal(before, after);
    }

    /** Removes the named nodes wherever they sit in the member list. */
    public static Scenario remove(int n, Set<String> ids) {
        Membership before = Membership.ofSize(n);
        return removal(before, before.minus(ids));
    }

    private static Scenario removal(Membership before, Membership after) {
        Set<String> removed = new LinkedHashSet<>(before.ids());
        removed.removeAll(after.ids());
        return new Scenario(before.size() + " -> " + after.size() + " nodes (remove " + String.join(", ", removed)
                + ")", before, after, removed, false);
    }

    public static Scenario reweight(int n, String id, double weight) {
        Membership before = Membership.ofSize(n);
        Membership after = before.withWeight(id, weight);
        return new Scenario(n + " nodes, weight of " + id + " 1 -> " + weight, before, after, Set.of(id), true);
    }

    /**
     * The least share of keys a scheme must move, for replica sets of size r, if it keeps every node's share
     * proportional to its weight (a scheme that is off balance, like a ring with few vnodes, can move less or
     * more). For r = 1 it is the total variation between the share vectors before and after (k/(n+k) for adding k
     * to n equal nodes, k/n for removing k). For r > 1 it is the chance that a uniformly random r-set of the larger
     * membership contains a node that is added or removed: 1 - C(n, r)/C(n+k, r); NaN for a weight change.
     */
    public double ideal(int r) {
        if (r == 1) {
            Map<String, Double> shareBefore = shares(before);
            Map<String, Double> shareAfter = shares(after);
            double gained = 0;
            for (Map.Entry<String, Double> e : shareAfter.entrySet()) {
                gained += Math.max(0, e.getValue() - shareBefore.getOrDefault(e.getKey(), 0.0));
            }
            return gained;
        }
        if (weightsOnly) {
            return Double.NaN;
        }
        int larger = Math.max(before.size(), after.size());
        int smaller = Math.min(before.size(), after.size());
        return 1 - binomial(smaller, r) / binomial(larger, r);
    }

    private static Map<String, Double> shares(Membership m) {
        double total = m.totalWeight();
        Map<String, Double> out = new HashMap<>();
        m.members().forEach(x -> out.put(x.id(), x.weight() / total));
        return out;
    }

    private static double binomial(int n, int k) {
        if (k > n) {
            return 0;
        }
        double c = 1;
        for (int i = 0; i < k; i++) {
            c = c * (n - i) / (i + 1);
        }
        return c;
    }
}
