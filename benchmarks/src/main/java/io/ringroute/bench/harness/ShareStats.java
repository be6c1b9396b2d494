package io.ringroute.bench.harness;

/**
 * How evenly a set of shares (summing to 1) is spread, relative to the mean share 1/n.
 *
 * @param peakToMean largest share / mean: the hottest node's load factor
 * @param minToMean  smallest share / mean
 * @param relStdDev  standard deviation of the shares / mean
 */
public record ShareStats(double peakToMean, double minToMean, double relStdDev) {

    public static final ShareStats NONE = new ShareStats(Double.NaN, Double.NaN, Double.NaN);

    public static ShareStats of(double[] shares) {
        int n = shares.length;
        double mean = 1.0 / n;
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        double sq = 0;
        for (double s : shares) {
            max = Math.max(max, s);
            min = Math.min(min, s);
            sq += (s - mean) * (s - mean);
        }
        return new ShareStats(max / mean, min / mean, Math.sqrt(sq / n) / mean);
    }
}
