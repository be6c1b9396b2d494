package io.ringroute.shard;

import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collector;

/**
 * Runs one read on every shard in parallel on a bounded pool (threads and queued shard queries per shard), each
 * connection's network timeout set to what is left of the deadline; a full pool refuses a call at once.
 */
final class ScatterGather implements AutoCloseable {

    /** Worker threads and queued shard queries per shard, beyond which calls are refused. */
    private static final int THREADS_PER_SHARD = 4;
    private static final int QUEUE_PER_SHARD = 64;

    private final RouterTopology topology;
    private final ReadPath reads;
    private final ThreadPoolExecutor workers;
    private final int shardCount;

    ScatterGather(RouterTopology topology, ReadPath reads) {
        this.topology = topology;
        this.reads = reads;
        this.shardCount = topology.servers().size();
        int threads = THREADS_PER_SHARD * shardCount;
        this.workers = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE_PER_SHARD * shardCount), r -> {
                    Thread t = new Thread(r, "ringroute-scatter");
                    t.setDaemon(true);
                    return t;
                });
        this.workers.allowCoreThreadTimeOut(true);
    }

    <T, R> R run(Session session, Consistency consistency, Duration timeout, ShardWork<T> work,
                 Collector<? super T, ?, R> merge) throws SQLException {
        ReadPath.requireSession(consistency, session);
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("scatter-gather timeout must be > 0, was " + timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ShardServers[] shards = topology.table().shards;
        List<Future<T>> futures = new ArrayList<>(shards.length);
        for (ShardServers shard : shards) {
            try {
                futures.add(workers.submit(() -> reads.readOn(shard, consistency, session, c -> {
                    c.setNetworkTimeout(workers, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(
                            deadline - System.nanoTime())));
                    return work.apply(c);
                })));
            } catch (RejectedExecutionException e) {
                futures.forEach(f -> f.cancel(true));
                throw new SQLTransientException("scatter-gather refused: its " + THREADS_PER_SHARD
                        * shardCount + " worker threads are busy and " + QUEUE_PER_SHARD * shardCount
                        + " shard queries are queued; retry later or make fewer concurrent scatter-gathers", "53300",
                        e);
            }
        }
        List<T> results = new ArrayList<>(shards.length);
        List<String> late = new ArrayList<>();
        SQLException failure = null;
        for (int i = 0; i < shards.length; i++) {
            try {
                results.add(futures.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                late.add(shards[i].name);
            } catch (ExecutionException e) {
                SQLException cause = e.getCause() instanceof SQLException s ? s
                        : new SQLException("scatter-gather on shard '" + shards[i].name + "' failed", e.getCause());
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for scatter-gather", e);
            }
        }
        if (!late.isEmpty()) {
            futures.forEach(f -> f.cancel(true));
            throw new ScatterTimeoutException(late, timeout);
        }
        if (failure != null) {
            throw failure;
        }
        return results.stream().collect(merge);
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
