package io.ringroute.bench.shard;

import io.ringroute.shard.Consistency;
import io.ringroute.shard.Session;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Statement;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The routing decision of {@link ShardRouter}: key -> token -> shard ({@code shardOf}) and key -> shard -> server
 * pool for EVENTUAL and SESSION reads ({@code serverFor}), against two real embedded shards with one replica each
 * (the replica choice reads the positions the poller keeps). Reports ns/op and, with the GC profiler, B/op.
 *
 * <p>Run: see benchmarks/RESULTS-shard.md ({@code java -cp ... io.ringroute.bench.shard.RoutingDecisionBenchmark}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingDecisionBenchmark {

    private static final int KEYS = 4096;

    private EmbeddedShardCluster cluster;
    private ShardRouter router;
    private Session session;
    private final String[] keys = new String[KEYS];
    private int next;

    @Setup(Level.Trial)
    public void start() throws Exception {
        cluster = EmbeddedShardCluster.builder().shards(2).replicasPerShard(1).start();
        router = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(100))
                .build();
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "user:" + (i * 7919L);
        }
        session = router.session();
        session.write(keys[0], c -> {
            try (Statement st = c.createStatement()) {
                return st.execute("SELECT 1");
            }
        });
        Thread.sleep(500);  // the replica replays the session's position; SESSION reads may use it
    }

    @TearDown(Level.Trial)
    public void stop() {
        router.close();
        cluster.close();
    }

    private String nextKey() {
        next = (next + 1) & (KEYS - 1);
        return keys[next];
    }

    @Benchmark
    public String shardOfKey() {
        return router.shardOf(nextKey());
    }

    @Benchmark
    public String serverForEventualRead() {
        return router.serverFor(nextKey(), Consistency.EVENTUAL, null);
    }

    @Benchmark
    public String serverForSessionRead() {
        return router.serverFor(nextKey(), Consistency.SESSION, session);
    }

    @Benchmark
    public String serverForStrongRead() {
        return router.serverFor(nextKey(), Consistency.STRONG, null);
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(RoutingDecisionBenchmark.class.getSimpleName())
                .addProfiler(GCProfiler.class).build()).run();
    }
}
