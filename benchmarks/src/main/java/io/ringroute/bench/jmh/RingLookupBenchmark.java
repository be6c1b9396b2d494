package io.ringroute.bench.jmh;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.ReplicaSet;
import java.util.ArrayList;
import java.util.List;
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
 * Issue 2's lookup targets: primary and replicas(3) at the default vnode count (256) for 10, 100 and 1000 nodes,
 * with 16-char String keys and long keys. Run with {@code -prof gc} for B/op. Each call takes the next of 8192
 * keys, which costs about a nanosecond of the figure.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RingLookupBenchmark {

    @Param({"10", "100", "1000"})
    int nodes;

    private HashRing ring;
    private String[] stringKeys;
    private long[] longKeys;
    private int next;

    @Setup
    public void setUp() {
        ring = HashRing.builder().vnodesPerNode(HashRing.DEFAULT_VNODES).maxReplicas(3).nodes(nodes(nodes)).build();
        stringKeys = LookupKeys.strings();
        longKeys = LookupKeys.longs();
    }

    static List<Node> nodes(int n) {
        List<Node> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(Node.of("node-" + i));
        }
        return list;
    }

    @Benchmark
    public Node primaryString() {
        return ring.primary(stringKeys[next++ & LookupKeys.MASK]);
    }

    @Benchmark
    public Node primaryLong() {
        return ring.primary(longKeys[next++ & LookupKeys.MASK]);
    }

    @Benchmark
    public ReplicaSet replicas3String() {
        return ring.replicas(stringKeys[next++ & LookupKeys.MASK], 3);
    }

    @Benchmark
    public ReplicaSet replicas3Long() {
        return ring.replicas(longKeys[next++ & LookupKeys.MASK], 3);
    }
}
