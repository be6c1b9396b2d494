package io.ringroute.cache;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The keys this client reads most, found from a sample of its reads in bounded memory: one read in
 * {@code sampleEvery} (a thread's own random draw: no shared counter, no lock and no allocation on the others)
 * feeds a Space-Saving sketch of {@code capacity} counters (Metwally, Agrawal, El Abbadi, "Efficient Computation of
 * Frequent and Top-k Elements in Data Streams", ICDT 2005), keyed by the key's 64-bit token, so the sketch holds
 * no key objects and never grows with the key space. Every {@code decayEvery} samples all counts are halved, so a
 * key that cools drops out; every {@code publishEvery} samples the keys whose guaranteed count (count minus the
 * sketch's overestimate) is at least {@code hotShare} of the sampled reads are published as a sorted array that
 * {@link #isHot} reads without a lock. Decay and publication follow the number of samples, not time.
 *
 * <p>A token shared by two keys (one chance in 2^64 per pair) makes both hot, which only spreads their reads.
 */
final class HotKeys {

    /** Counters in the sketch: the error of any count is at most 1/128 of the sampled reads. */
    static final int CAPACITY = 128;
    /** One read in 64 is sampled. */
    static final int SAMPLE_EVERY = 64;
    /** A key is hot from 1/128 of the reads on (see cache-node/README.md, "Hot keys"). */
    static final double HOT_SHARE = 1.0 / 128;
    static final int DECAY_EVERY = 4096;
    static final int PUBLISH_EVERY = 64;
    /** No key is hot on fewer sampled reads than this (the first samples say little). */
    private static final long MIN_COUNT = 8;
    private static final long[] NONE = new long[0];

    /** Never samples, never finds a key hot. */
    static final HotKeys OFF = new HotKeys(1, 1, 1.0, 1, 1, false);

    private final boolean on;
    private final int sampleMask;
    private final double hotShare;
    private final int decayEvery;
    private final int publishEvery;
    private final long[] tokens;
    private final long[] counts;
    private final long[] errors;
    private final ReentrantLock lock = new ReentrantLock();
    private int size;
    /** Samples counted since the last decay, halved with the counts. */
    private long total;
    private long samples;
    private volatile long[] hot = NONE;

    /** The client's detector: {@link #CAPACITY} counters, one read in {@link #SAMPLE_EVERY}. */
    static HotKeys standard() {
        return new HotKeys(CAPACITY, SAMPLE_EVERY, HOT_SHARE, DECAY_EVERY, PUBLISH_EVERY, true);
    }

    /**
     * @param sampleEvery a power of two: one read in that many is counted (1 counts every read)
     */
    HotKeys(int capacity, int sampleEvery, double hotShare, int decayEvery, int publishEvery) {
        this(capacity, sampleEvery, hotShare, decayEvery, publishEvery, true);
    }

    private HotKeys(int capacity, int sampleEvery, double hotShare, int decayEvery, int publishEvery, boolean on) {
        if (capacity < 1 || sampleEvery < 1 || Integer.bitCount(sampleEvery) != 1 || !(hotShare > 0 && hotShare <= 1)
                || decayEvery < 1 || publishEvery < 1) {
            throw new IllegalArgumentException("hot key sketch needs capacity >= 1, a power-of-two sample rate, a"
                    + " share in (0, 1] and positive periods; was " + capacity + ", 1/" + sampleEvery + ", "
                    + hotShare + ", " + decayEvery + ", " + publishEvery);
        }
        this.on = on;
        this.sampleMask = sampleEvery - 1;
        this.hotShare = hotShare;
        this.decayEvery = decayEvery;
        this.publishEvery = publishEvery;
        this.tokens = new long[capacity];
        this.counts = new long[capacity];
        this.errors = new long[capacity];
    }

    /** Counts a read of the key with this token, if it is sampled and no other thread is counting right now. */
    void record(long token) {
        if (!on || (sampleMask != 0 && (ThreadLocalRandom.current().nextInt() & sampleMask) != 0)
                || !lock.tryLock()) {
            return;
        }
        try {
            count(token);
        } finally {
            lock.unlock();
        }
    }

    /** Whether the key with this token is hot now. */
    boolean isHot(long token) {
        long[] h = hot;
        return h.length != 0 && Arrays.binarySearch(h, token) >= 0;
    }

    /** How many keys are hot now. */
    int hotCount() {
        return hot.length;
    }

    private void count(long token) {
        int i = indexOf(token);
        if (i >= 0) {
            counts[i]++;
        } else if (size < tokens.length) {
            tokens[size] = token;
            counts[size] = 1;
            errors[size] = 0;
            size++;
        } else {
            int m = smallest();
            tokens[m] = token;
            errors[m] = counts[m]; // Space-Saving: the newcomer may have been counted in the evicted key's count
            counts[m]++;
        }
        total++;
        samples++;
        if (samples % decayEvery == 0) {
            decay();
        }
        if (samples % publishEvery == 0) {
            publish();
        }
    }

    private int indexOf(long token) {
        for (int i = 0; i < size; i++) {
            if (tokens[i] == token) {
                return i;
            }
        }
        return -1;
    }

    private int smallest() {
        int m = 0;
        for (int i = 1; i < size; i++) {
            if (counts[i] < counts[m]) {
                m = i;
            }
        }
        return m;
    }

    /** Halves every count; keys whose count reaches 0 leave the sketch. */
    private void decay() {
        int kept = 0;
        total = 0;
        for (int i = 0; i < size; i++) {
            long c = counts[i] >>> 1;
            if (c > 0) {
                tokens[kept] = tokens[i];
                counts[kept] = c;
                errors[kept] = errors[i] >>> 1;
                total += c;
                kept++;
            }
        }
        size = kept;
    }

    private void publish() {
        long bar = Math.max(MIN_COUNT, (long) Math.ceil(hotShare * total));
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (counts[i] - errors[i] >= bar) {
                n++;
            }
        }
        long[] found = n == 0 ? NONE : new long[n];
        for (int i = 0, j = 0; i < size && j < n; i++) {
            if (counts[i] - errors[i] >= bar) {
                found[j++] = tokens[i];
            }
        }
        Arrays.sort(found);
        hot = found;
    }
}
