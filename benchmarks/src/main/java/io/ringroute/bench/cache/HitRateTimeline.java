package io.ringroute.bench.cache;

import java.util.concurrent.atomic.AtomicLongArray;

/** Hits and misses counted in fixed time buckets from a start instant; thread-safe, allocation-free per record. */
public final class HitRateTimeline {

    private final long startNanos;
    private final long bucketNanos;
    private final AtomicLongArray hits;
    private final AtomicLongArray misses;

    public HitRateTimeline(long startNanos, long bucketMillis, int buckets) {
        this.startNanos = startNanos;
        this.bucketNanos = bucketMillis * 1_000_000;
        this.hits = new AtomicLongArray(buckets);
        this.misses = new AtomicLongArray(buckets);
    }

    public void record(boolean hit) {
        int b = (int) ((System.nanoTime() - startNanos) / bucketNanos);
        if (b >= 0 && b < hits.length()) {
            (hit ? hits : misses).incrementAndGet(b);
        }
    }

    public int buckets() {
        return hits.length();
    }

    /** Hit rate of a bucket, or NaN when it saw no reads. */
    public double hitRate(int bucket) {
        long h = hits.get(bucket);
        long m = misses.get(bucket);
        return h + m == 0 ? Double.NaN : (double) h / (h + m);
    }

    public long reads(int bucket) {
        return hits.get(bucket) + misses.get(bucket);
    }
}
