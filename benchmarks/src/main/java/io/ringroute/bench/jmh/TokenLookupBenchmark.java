package io.ringroute.bench.jmh;

import com.dynatrace.hash4j.consistent.ConsistentBucketHasher;
import com.dynatrace.hash4j.consistent.ConsistentHashing;
import com.dynatrace.hash4j.random.PseudoRandomGeneratorProvider;
import io.ringroute.ring.HashRing;
import io.ringroute.ring.KeyHash;
import io.ringroute.ring.Node;
import io.ringroute.ring.TokenLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 13's lookup targets: the ring's token lookup against hash4j's JumpBackHash given the same 64-bit hash
 * ({@link KeyHash#token} of distinct 16-char keys from {@link LookupKeys}, 8192 unless {@link #keys} says more,
 * precomputed), for random vnodes (256 per node) and balanced allocation (32 per node), at 100 and 1000 nodes; and
 * replicas(3) written into the caller's array, as nodes and as ring positions. Run with {@code -prof gc} for B/op.
 * JMH runs the benchmarks one after the other; on a loaded machine, whose load changes between them,
 * {@link TokenLookupPairs} takes the same lookups in turns.
 *
 * <p>Growing a 1000-node allocated layout takes minutes, so the layout is cached as text in
 * {@code java.io.tmpdir} ({@code ringroute-layout-<nodes>-32.txt}) and reused by later runs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TokenLookupBenchmark {

    @Param({"100", "1000"})
    int nodes;

    @Param({"vnodes-256", "alloc-32"})
    String layout;

    /**
     * Distinct keys cycled through, a power of two: 8192 by default (their index cells stay in L2); with {@code -p
     * keys=1048576} 8 MB of hashes stream through the caches between two reads of an index line, as in a service
     * with a large key population.
     */
    @Param({"8192"})
    int keys;

    private HashRing ring;
    private Node[] nodeArray;
    private ConsistentBucketHasher jumpBack;
    private long[] hashes;
    private int mask;
    private final Node[] out = new Node[3];
    private final int[] positions = new int[3];
    private int next;

    @Setup
    public void setUp() {
        ring = layout.equals("alloc-32") ? HashRing.builder().layout(allocated(nodes)).build()
                : HashRing.builder().vnodesPerNode(256).nodes(RingLookupBenchmark.nodes(nodes)).build();
        nodeArray = ring.nodes().toArray(new Node[0]);
        jumpBack = ConsistentHashing.jumpBackHash(PseudoRandomGeneratorProvider.splitMix64_V1());
        String[] strings = LookupKeys.strings(keys);
        hashes = new long[strings.length];
        for (int i = 0; i < strings.length; i++) {
            hashes[i] = KeyHash.token(strings[i]);
        }
        mask = hashes.length - 1;
    }

    static TokenLayout allocated(int n) {
        Path cache = Path.of(System.getProperty("java.io.tmpdir"), "ringroute-layout-" + n + "-32.txt");
        try {
            if (Files.exists(cache)) {
                TokenLayout cached = TokenLayout.parse(Files.readString(cache));
                if (cached.size() == n && cached.tokensPerUnit() == 32) {
                    return cached;
                }
            }
            TokenLayout grown = TokenLayout.empty(32, 3);
            for (Node node : RingLookupBenchmark.nodes(n)) {
                grown = grown.withNode(node);
            }
            Files.writeString(cache, grown.toText());
            return grown;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the layout cache " + cache, e);
        }
    }

    @Benchmark
    public Node ringPrimary() {
        return ring.primaryForToken(hashes[next++ & mask]);
    }

    @Benchmark
    public Node jumpBackHash4j() {
        return nodeArray[jumpBack.getBucket(hashes[next++ & mask], nodes)];
    }

    @Benchmark
    public Node ringReplicas3IntoArray() {
        ring.replicasForToken(hashes[next++ & mask], 3, out);
        return out[2];
    }

    /** replicas(3) as positions in {@code ring.nodes()}: ints copied, no reference stores (no GC write barrier). */
    @Benchmark
    public int ringReplicas3IntoPositions() {
        ring.replicaPositionsForToken(hashes[next++ & mask], 3, positions);
        return positions[2];
    }
}
