package io.ringroute.bench.harness;

/**
 * One scheme's movement for one replica count.
 *
 * @param scheme          the scheme's name
 * @param replicas        r: 1 for the primary, more for replica sets
 * @param moved           sampled share of keys whose owner (or replica set) changed
 * @param exact           the exact share from the ring's rebalance plan, NaN for other schemes
 * @param ideal           the least share a scheme that keeps shares proportional to weight must move
 *                        ({@link Scenario#ideal}); a ring moves less when the new node draws a small share
 * @param betweenUnchanged sampled share of keys that changed owner (or set) without any changed node involved:
 *                        0 for a consistent scheme
 * @param standardError   the sampling standard error of {@code moved}
 * @param note            why the row has no figures ("no weights"), or empty
 */
public record MovementRow(String scheme, int replicas, double moved, double exact, double ideal,
                          double betweenUnchanged, double standardError, String note) {

    static MovementRow unsupported(String scheme, int replicas, double ideal, String note) {
        return new MovementRow(scheme, replicas, Double.NaN, Double.NaN, ideal, Double.NaN, Double.NaN, note);
    }

    public boolean measured() {
        return note.isEmpty();
    }

    /** moved / ideal: 1 is the best possible. */
    public double ratioToIdeal() {
        return moved / ideal;
    }
}
