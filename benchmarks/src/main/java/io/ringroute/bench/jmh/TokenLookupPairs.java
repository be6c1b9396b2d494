package io.ringroute.bench.jmh;

import com.dynatrace.hash4j.consistent.ConsistentBucketHasher;
import com.dynatrace.hash4j.consistent.ConsistentHashing;
import com.dynatrace.hash4j.random.PseudoRandomGeneratorProvider;
import io.ringroute.ring.HashRing;
import io.ringroute.ring.KeyHash;
import io.ringroute.ring.Node;
import java.util.Arrays;

/**
 * {@link TokenLookupBenchmark}'s four lookups (JumpBackHash, ring primary, replicas(3) as positions and as nodes) on
 * the same rings and hashes, taken in turns: short slices of each, one after the other, round after round, in one
 * JVM. On a machine that other processes load, JMH's one-benchmark-after-the-other runs compare lookups measured
 * minutes apart under different loads; here the four share every round's load, so the ratio of a round (and its
 * median over the rounds) and the fastest slice of each (the least disturbed) are comparable. The collector is the
 * JVM's ({@code -XX:+UseParallelGC} shows what G1's write barrier adds to the {@code Node[]} form). Not a JMH
 * benchmark: a loop the JIT compiles like JMH's, with the results folded into a sink so that no lookup is dropped.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.ringroute.bench.jmh.TokenLookupPairs [rounds]</pre>
 */
public final class TokenLookupPairs {

    private static final int SLICE = 40_000;       // lookups per slice: about 0.2-0.4 ms
    private static final String[] LOOKUPS = {"JumpBackHash", "primary", "replicas(3) positions", "replicas(3) Node[]"};

    private static long sink;

    private TokenLookupPairs() {
    }

    public static void main(String[] args) {
        // 6000 rounds (about 30 s for the four rings): at 600 the medians still moved by a tenth from run to run
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6000;
        long[] hashes = Arrays.stream(LookupKeys.strings()).mapToLong(KeyHash::token).toArray();
        System.out.printf("%d distinct keys, %d rounds of %d lookups per slice (the first tenth is warm-up)%n",
                hashes.length, rounds, SLICE);
        StringBuilder head = new StringBuilder("| layout | nodes |");
        for (String lookup : LOOKUPS) {
            head.append(' ').append(lookup).append(" min / median ns |");
        }
        System.out.println(head + " primary / JBH | positions / primary | Node[] / primary |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (String layout : new String[]{"alloc-32", "vnodes-256"}) {
            for (int nodes : new int[]{100, 1000}) {
                HashRing ring = layout.equals("alloc-32")
                        ? HashRing.builder().layout(TokenLookupBenchmark.allocated(nodes)).build()
                        : HashRing.builder().vnodesPerNode(256).nodes(RingLookupBenchmark.nodes(nodes)).build();
                double[][] ns = measure(ring, hashes, rounds);
                StringBuilder row = new StringBuilder(String.format("| %s | %d |", layout, nodes));
                for (double[] lookup : ns) {
                    row.append(String.format(" %.2f / %.2f |", min(lookup), median(lookup)));
                }
                System.out.println(row + ratio(ns[1], ns[0]) + ratio(ns[2], ns[1]) + ratio(ns[3], ns[1]));
            }
        }
        System.out.println(sink == 42 ? "" : "(sink " + (sink & 0xff) + ")");
    }

    /** ns per lookup of each lookup (rows) in each measured round (columns). */
    private static double[][] measure(HashRing ring, long[] hashes, int rounds) {
        Node[] nodes = ring.nodes().toArray(new Node[0]);
        ConsistentBucketHasher jumpBack = ConsistentHashing.jumpBackHash(PseudoRandomGeneratorProvider.splitMix64_V1());
        int[] positions = new int[3];
        Node[] out = new Node[3];
        int warmUp = rounds / 10;
        double[][] ns = new double[LOOKUPS.length][rounds - warmUp];
        int next = 0;
        for (int round = 0; round < rounds; round++) {
            for (int lookup = 0; lookup < LOOKUPS.length; lookup++) {
                long acc = 0;
                Node last = null;
                long start = System.nanoTime();
                for (int i = 0; i < SLICE; i++) {
                    long hash = hashes[next++ & LookupKeys.MASK];
                    if (lookup == 0) {
                        Node n = nodes[jumpBack.getBucket(hash, nodes.length)];
                        acc += n == last ? 1 : 0;
                        last = n;
                    } else if (lookup == 1) {
                        Node n = ring.primaryForToken(hash);
                        acc += n == last ? 1 : 0;
                        last = n;
                    } else if (lookup == 2) {
                        ring.replicaPositionsForToken(hash, 3, positions);
                        acc += positions[2];
                    } else {
                        ring.replicasForToken(hash, 3, out);
                        acc += out[2] == last ? 1 : 0;
                        last = out[2];
                    }
                }
                long took = System.nanoTime() - start;
                sink += acc;
                if (round >= warmUp) {
                    ns[lookup][round - warmUp] = took / (double) SLICE;
                }
            }
        }
        return ns;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** A table cell: the ratio of the fastest slices of {@code a} and {@code b}, then the median of the rounds'. */
    private static String ratio(double[] a, double[] b) {
        return String.format(" %.2f; %.2f |", min(a) / min(b), medianRatio(a, b));
    }

    private static double medianRatio(double[] a, double[] b) {
        double[] ratios = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            ratios[i] = a[i] / b[i];
        }
        return median(ratios);
    }
}
