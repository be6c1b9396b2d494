package io.ringroute.bench.jmh;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The first replica a shard's replica choice looks at, from four threads at once (issue 17 item 6), without the
 * servers around it: {@code sharedCounter} is what {@code ShardServers} did before (one {@code AtomicInteger} per
 * shard, incremented by every read), {@code threadLocalRandom} what it does now (the calling thread's own
 * generator). Both spread the start evenly over the replicas; {@link ReplicaChoiceBenchmark} measures the whole
 * choice against real servers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(4)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ReplicaRotationBenchmark {

    private static final int REPLICAS = 2;

    private final AtomicInteger rotation = new AtomicInteger();

    @Benchmark
    public int sharedCounter() {
        return (rotation.getAndIncrement() & Integer.MAX_VALUE) % REPLICAS;
    }

    @Benchmark
    public int threadLocalRandom() {
        return ThreadLocalRandom.current().nextInt(REPLICAS);
    }
}
