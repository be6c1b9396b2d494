package io.ringroute.bench.scale;

import io.ringroute.bench.peers.HazelcastKeyPopularity;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A power-law follow graph over users {@code 0 .. n-1}, deterministic per seed. Each user follows a geometric
 * number of others (mean {@code meanFollowees}, at least 1, at most {@link #MAX_FOLLOWEES}, the demo's cap on a
 * timeline's fan-in); each followee is drawn by a Zipf law over popularity ranks, its exponent chosen so that the
 * most popular account is followed by about {@link #TOP_SHARE} of all users at any scale (a quarter million at a
 * million users; the account at rank r by about that over r^s). Ranks are a random permutation of the users, so
 * popular accounts land on every shard.
 */
final class FollowGraph {
    /** A timeline merges at most this many followees (the demo's {@code Social.MAX_FOLLOWING}). */
    static final int MAX_FOLLOWEES = 1000;
    /** The share of all users the most-followed account is drawn by. */
    static final double TOP_SHARE = 0.25;

    private final int users;
    private final int[] offsets;
    private final int[] followees;
    private final int[] followers;
    private final double exponent;

    private FollowGraph(int users, int[] offsets, int[] followees, int[] followers, double exponent) {
        this.users = users;
        this.offsets = offsets;
        this.followees = followees;
        this.followers = followers;
        this.exponent = exponent;
    }

    static FollowGraph generate(int users, double meanFollowees, long seed) {
        if (users < 2) {
            throw new IllegalArgumentException("a follow graph needs at least 2 users, was " + users);
        }
        if (meanFollowees < 1) {
            throw new IllegalArgumentException("the mean number of followees must be at least 1, was "
                    + meanFollowees);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] byRank = permutation(users, random);
        double exponent = exponentFor(users, meanFollowees / TOP_SHARE);
        HazelcastKeyPopularity ranks = exponent > 0 ? HazelcastKeyPopularity.zipf(users, exponent)
                : HazelcastKeyPopularity.uniform(users);
        int cap = Math.min(MAX_FOLLOWEES, users - 1);
        double stop = 1.0 / meanFollowees;         // a geometric count with this success chance has that mean
        int[] offsets = new int[users + 1];
        int[] edges = new int[(int) Math.min(Integer.MAX_VALUE - 8, (long) (users * meanFollowees * 1.2) + 16)];
        int[] stamp = new int[users];
        int[] followers = new int[users];
        int size = 0;
        for (int u = 0; u < users; u++) {
            int want = 1;
            while (want < cap && random.nextDouble() >= stop) {
                want++;
            }
            for (int got = 0, tries = 0; got < want && tries < want * 20; tries++) {
                int f = byRank[ranks.next(random)];
                if (f == u || stamp[f] == u + 1) {
                    continue;
                }
                stamp[f] = u + 1;
                if (size == edges.length) {
                    edges = Arrays.copyOf(edges, (int) Math.min(Integer.MAX_VALUE - 8, edges.length * 3L / 2));
                }
                edges[size++] = f;
                followers[f]++;
                got++;
            }
            offsets[u + 1] = size;
        }
        return new FollowGraph(users, offsets, Arrays.copyOf(edges, size), followers, exponent);
    }

    int users() {
        return users;
    }

    long edges() {
        return followees.length;
    }

    /** The Zipf exponent the followees were drawn with. */
    double exponent() {
        return exponent;
    }

    int followingCount(int user) {
        return offsets[user + 1] - offsets[user];
    }

    int followee(int user, int i) {
        return followees[offsets[user] + i];
    }

    int followerCount(int user) {
        return followers[user];
    }

    /** The follower counts, highest first, of the {@code k} most-followed users. */
    int[] topFollowerCounts(int k) {
        int[] sorted = followers.clone();
        Arrays.sort(sorted);
        int[] top = new int[Math.min(k, users)];
        for (int i = 0; i < top.length; i++) {
            top[i] = sorted[users - 1 - i];
        }
        return top;
    }

    private static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * The exponent s for which the generalized harmonic number H(n, s) is {@code harmonic}, so that rank 1 is drawn
     * with probability 1/harmonic; 0 (uniform) when even s = 0 gives less, as for very small n.
     */
    static double exponentFor(int n, double harmonic) {
        if (harmonic >= n) {
            return 0;
        }
        double lo = 0;
        double hi = 4;
        for (int i = 0; i < 40; i++) {
            double mid = (lo + hi) / 2;
            if (harmonic(n, mid) > harmonic) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    private static double harmonic(int n, double s) {
        double sum = 0;
        for (int k = 1; k <= n; k++) {
            sum += Math.pow(k, -s);
        }
        return sum;
    }
}
