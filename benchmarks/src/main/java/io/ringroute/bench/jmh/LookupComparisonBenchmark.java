package io.ringroute.bench.jmh;

import com.dynatrace.hash4j.consistent.ConsistentBucketHasher;
import com.dynatrace.hash4j.consistent.ConsistentBucketSetHasher;
import com.dynatrace.hash4j.consistent.ConsistentHashing;
import com.dynatrace.hash4j.random.PseudoRandomGeneratorProvider;
import com.google.common.hash.Hashing;
import io.ringroute.bench.harness.KetamaNodes;
import io.ringroute.bench.harness.Rendezvous;
import io.ringroute.ring.HashRing;
import io.ringroute.ring.KeyHash;
import io.ringroute.ring.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.KetamaNodeLocator;
import net.spy.memcached.MemcachedNode;
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
 * Primary lookup of our ring (256 vnodes) against the real libraries, key to node object, for 10, 100 and 1000
 * nodes. Schemes that take a 64-bit hash get {@link KeyHash#token} of the key, as the ring does, so the figures
 * differ only in the placement step; ketama hashes the key string with MD5 itself, as spymemcached does, and takes
 * String keys only.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LookupComparisonBenchmark {

    @Param({"10", "100", "1000"})
    int nodes;

    private HashRing ring;
    private Node[] nodeArray;
    private ConsistentBucketHasher jumpBack;
    private ConsistentBucketSetHasher anchor;
    private Rendezvous rendezvous;
    private KetamaNodeLocator ketama;
    private String[] stringKeys;
    private long[] longKeys;
    private int next;

    @Setup
    public void setUp() {
        List<Node> list = RingLookupBenchmark.nodes(nodes);
        ring = HashRing.builder().vnodesPerNode(HashRing.DEFAULT_VNODES).nodes(list).build();
        nodeArray = list.toArray(new Node[0]);
        jumpBack = ConsistentHashing.jumpBackHash(PseudoRandomGeneratorProvider.splitMix64_V1());
        anchor = ConsistentHashing.jumpBackAnchorHash(PseudoRandomGeneratorProvider.splitMix64_V1());
        for (int i = 0; i < nodes; i++) {
            anchor.addBucket(); // buckets 0 .. nodes-1, the indices of nodeArray
        }
        rendezvous = Rendezvous.of(list.stream().map(Node::id).toList());
        List<MemcachedNode> memcached = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            memcached.add(KetamaNodes.node(KetamaNodes.address(i)));
        }
        ketama = new KetamaNodeLocator(memcached, DefaultHashAlgorithm.KETAMA_HASH);
        stringKeys = LookupKeys.strings();
        longKeys = LookupKeys.longs();
    }

    private String stringKey() {
        return stringKeys[next++ & LookupKeys.MASK];
    }

    private long longKey() {
        return longKeys[next++ & LookupKeys.MASK];
    }

    @Benchmark
    public Node stringRing() {
        return ring.primary(stringKey());
    }

    @Benchmark
    public Node stringModulo() {
        return nodeArray[(int) Long.remainderUnsigned(KeyHash.token(stringKey()), nodes)];
    }

    @Benchmark
    public Node stringJumpGuava() {
        return nodeArray[Hashing.consistentHash(KeyHash.token(stringKey()), nodes)];
    }

    @Benchmark
    public Node stringJumpBackHash4j() {
        return nodeArray[jumpBack.getBucket(KeyHash.token(stringKey()), nodes)];
    }

    @Benchmark
    public Node stringAnchorHash4j() {
        return nodeArray[anchor.getBucket(KeyHash.token(stringKey()))];
    }

    @Benchmark
    public Node stringRendezvous() {
        return nodeArray[rendezvous.pick(KeyHash.token(stringKey()))];
    }

    @Benchmark
    public MemcachedNode stringKetamaSpymemcached() {
        return ketama.getPrimary(stringKey());
    }

    @Benchmark
    public Node longRing() {
        return ring.primary(longKey());
    }

    @Benchmark
    public Node longModulo() {
        return nodeArray[(int) Long.remainderUnsigned(KeyHash.token(longKey()), nodes)];
    }

    @Benchmark
    public Node longJumpGuava() {
        return nodeArray[Hashing.consistentHash(KeyHash.token(longKey()), nodes)];
    }

    @Benchmark
    public Node longJumpBackHash4j() {
        return nodeArray[jumpBack.getBucket(KeyHash.token(longKey()), nodes)];
    }

    @Benchmark
    public Node longAnchorHash4j() {
        return nodeArray[anchor.getBucket(KeyHash.token(longKey()))];
    }

    @Benchmark
    public Node longRendezvous() {
        return nodeArray[rendezvous.pick(KeyHash.token(longKey()))];
    }
}
