package io.ringroute.bench.jmh;

import io.ringroute.shard.Consistency;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The replica choice of an EVENTUAL read from four threads at once (issue 17 item 6): one shard with two healthy
 * replicas, so every call runs the shard's replica rotation and the tie-break between replicas. Before the fix
 * every call incremented one shared {@code AtomicInteger} per shard, a cache line all readers fight over.
 * {@code router.serverFor} is the whole routing decision without borrowing a connection.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(4)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ReplicaChoiceBenchmark {

    private static final int KEYS = 1024;

    private EmbeddedShardCluster cluster;
    private ShardRouter router;
    private final String[] keys = new String[KEYS];

    /** Each thread's own key cursor, so the benchmark itself shares nothing between threads. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Setup(Level.Trial)
    public void start() throws Exception {
        cluster = EmbeddedShardCluster.builder().shards(1).replicasPerShard(2).start();
        router = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(100))
                .build();
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "user:" + (i * 7919L);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (router.metrics().servers().stream().anyMatch(s -> !s.healthy())) {   // the poller admits both
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("replicas not in rotation after 30 s: " + router.metrics());
            }
            Thread.sleep(50);
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        router.close();
        cluster.close();
    }

    @Benchmark
    public String eventualReadReplicaChoice(Cursor cursor) {
        cursor.next = (cursor.next + 1) & (KEYS - 1);
        return router.serverFor(keys[cursor.next], Consistency.EVENTUAL, null);
    }
}
