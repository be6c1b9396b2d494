package io.ringroute.bench.jmh;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.KeyHash;
import io.ringroute.ring.Node;
import io.ringroute.ring.ReplicaSet;
import io.ringroute.ring.ReplicaTable;
import java.util.HashMap;
import java.util.Map;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The routing step of a cache call (issue 14 item 5, issue 17 item 3): key to token to the node client of each
 * replica, R=2, 256 vnodes. {@code table*} is what the cache client runs now (one volatile read of a
 * {@link ReplicaTable}, then the client at the replica's ring position); {@code replicaSetAndMap*} is what it ran
 * before (a {@link ReplicaSet} per call, then node id to client through a HashMap). A get stops at the first replica
 * that answers, so {@code tableGet} routes to the primary only; a put routes to both replicas. The per-node value
 * stands in for the cache's package-private node client. Run with {@code -prof gc} for B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CacheRoutingBenchmark {

    private static final int R = 2;

    @Param({"4", "32"})
    int nodes;

    private volatile ReplicaTable<Object> table;
    private volatile HashRing ring;
    private volatile Map<String, Object> clients;
    private String[] keys;
    private int next;

    @Setup
    public void setUp() {
        HashRing r = HashRing.builder().vnodesPerNode(HashRing.DEFAULT_VNODES).maxReplicas(R)
                .nodes(RingLookupBenchmark.nodes(nodes)).build();
        Map<String, Object> byId = new HashMap<>();
        for (Node n : r.nodes()) {
            byId.put(n.id(), new Object());
        }
        ring = r;
        clients = byId;
        table = ReplicaTable.of(r, n -> byId.get(n.id()));
        keys = LookupKeys.strings();
    }

    @Benchmark
    public Object tableGet() {
        long token = KeyHash.token(keys[next++ & LookupKeys.MASK]);
        ReplicaTable<Object> t = table;
        return t.replica(token, 0);
    }

    @Benchmark
    public void tablePut(Blackhole bh) {
        long token = KeyHash.token(keys[next++ & LookupKeys.MASK]);
        ReplicaTable<Object> t = table;
        for (int k = 0, n = t.replicaCount(R); k < n; k++) {
            bh.consume(t.replica(token, k));
        }
    }

    @Benchmark
    public Object replicaSetAndMapGet() {
        long token = KeyHash.token(keys[next++ & LookupKeys.MASK]);
        ReplicaSet replicas = ring.replicasForToken(token, R);
        return clients.get(replicas.get(0).id());
    }

    @Benchmark
    public void replicaSetAndMapPut(Blackhole bh) {
        long token = KeyHash.token(keys[next++ & LookupKeys.MASK]);
        ReplicaSet replicas = ring.replicasForToken(token, R);
        Map<String, Object> byId = clients;
        for (int k = 0; k < replicas.size(); k++) {
            bh.consume(byId.get(replicas.get(k).id()));
        }
    }
}
