package io.ringroute.demo;

import io.ringroute.demo.social.Handle;
import io.ringroute.demo.social.Rejected;
import io.ringroute.demo.social.Session;
import io.ringroute.demo.social.ShardedDatabase;
import io.ringroute.demo.social.SqlWork;
import io.ringroute.shard.Consistency;
import io.ringroute.shard.ScatterTimeoutException;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.ShardUnavailableException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The social domain's database calls, made through the shard router: writes on the user's shard primary with the
 * session's token advanced, reads at SESSION consistency for a session that wrote and EVENTUAL for one that did
 * not (so the replicas take the anonymous load).
 *
 * <p>The reads of a batch ({@link #readEach}) run on a bounded pool of threads besides the caller's own; when all
 * of them are busy and its queue is full, a read runs on the caller's thread instead (the batch is then partly
 * sequential, never refused or queued without bound).
 *
 * <p>The router can be replaced while requests run ({@link #replace}): a router knows only the servers it was
 * built with, so a shard started at run time needs a new router (tokens carry over: they are router-independent).
 */
public final class RouterDatabase implements ShardedDatabase, AutoCloseable {
    private static final Duration SCATTER_TIMEOUT = Duration.ofSeconds(5);
    /** How long a replaced router stays open for the requests that already hold it. */
    static final Duration RETIRE_AFTER = Duration.ofSeconds(2);
    /** Threads and queued reads for the shards of batches: a batch takes one per shard besides its caller. */
    private static final int BATCH_THREADS = 16;
    private static final int BATCH_QUEUE = 64;

    private volatile ShardRouter router;
    private final Set<ShardRouter> retiring = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService retirer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "router-retirer");
        t.setDaemon(true);
        return t;
    });

    private final ThreadPoolExecutor batchReads;

    public RouterDatabase(ShardRouter router) {
        this.router = router;
        AtomicInteger threads = new AtomicInteger();
        // Run on the caller what the pool cannot take, also once it is shut down: a discarded read would leave the
        // batch waiting for its result forever.
        this.batchReads = new ThreadPoolExecutor(BATCH_THREADS, BATCH_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(BATCH_QUEUE), r -> {
                    Thread t = new Thread(r, "shard-batch-read-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, (task, pool) -> task.run());
        this.batchReads.allowCoreThreadTimeOut(true);
    }

    public ShardRouter router() {
        return router;
    }

    /** Routes new requests through {@code next}; the old router is closed a little later. */
    void replace(ShardRouter next) {
        ShardRouter old = router;
        router = next;
        retiring.add(old);
        retirer.schedule(() -> {
            if (retiring.remove(old)) {
                old.close();
            }
        }, RETIRE_AFTER.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        retirer.shutdownNow();
        batchReads.shutdown();
        retiring.forEach(ShardRouter::close);
        retiring.clear();
        router.close();
    }

    @Override
    public String shardOf(Handle user) {
        return router.shardOf(user.value());
    }

    @Override
    public <T> T write(Handle user, Session session, SqlWork<T> work) {
        ShardRouter router = this.router;
        // The token goes back to the browser after every write: read the position on the commit, not at export.
        io.ringroute.shard.Session s = routerSession(router, session).positionOnCommit();
        try {
            T result = s.write(user.value(), work::run);
            session.shardToken(s.token().toString());
            return result;
        } catch (SQLException e) {
            throw failure("write", user, e);
        }
    }

    @Override
    public <T> T read(Handle user, Session session, SqlWork<T> work) {
        ShardRouter router = this.router;
        return read(router, readSession(router, session), user, work);
    }

    @Override
    public <T> List<T> readEach(List<Read<T>> reads, Session session) {
        ShardRouter router = this.router;
        io.ringroute.shard.Session s = readSession(router, session);
        List<Future<T>> futures = new ArrayList<>(reads.size());
        for (Read<T> r : reads.subList(Math.min(1, reads.size()), reads.size())) {
            futures.add(batchReads.submit(() -> read(router, s, r.user(), r.work())));
        }
        List<T> results = new ArrayList<>(reads.size());
        RuntimeException failure = null;
        for (int i = 0; i < reads.size(); i++) {
            try {
                // The caller reads the first shard itself rather than wait idle for all of them.
                Read<T> r = reads.get(i);
                results.add(i == 0 ? read(router, s, r.user(), r.work()) : futures.get(i - 1).get());
            } catch (RuntimeException | ExecutionException e) {
                Throwable t = e instanceof ExecutionException ? e.getCause() : e;
                RuntimeException cause = t instanceof RuntimeException r ? r : new IllegalStateException(
                        "the read for user '" + reads.get(i).user() + "' failed: " + t, t);
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading a batch from the shards", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }

    @Override
    public <T> List<T> everyShard(SqlWork<T> work) {
        try {
            return router.scatterGather(Consistency.EVENTUAL, SCATTER_TIMEOUT, work::run, Collectors.toList());
        } catch (ScatterTimeoutException | ShardUnavailableException e) {
            throw new Rejected(Rejected.Why.UNAVAILABLE, e.getMessage());     // a shard down or not answering: 503
        } catch (SQLException e) {
            throw new IllegalStateException("a query on every shard failed: " + e.getMessage(), e);
        }
    }

    /** The router session a read runs in; null for a session that wrote nothing (its reads are EVENTUAL). */
    private static io.ringroute.shard.Session readSession(ShardRouter router, Session session) {
        return session.shardToken().isEmpty() ? null : routerSession(router, session);
    }

    private static <T> T read(ShardRouter router, io.ringroute.shard.Session session, Handle user, SqlWork<T> work) {
        try {
            if (session == null) {
                return router.read(user.value(), Consistency.EVENTUAL, work::run);
            }
            return session.read(user.value(), Consistency.SESSION, work::run);
        } catch (SQLException e) {
            throw failure("read", user, e);
        }
    }

    private static io.ringroute.shard.Session routerSession(ShardRouter router, Session session) {
        if (session.shardToken().isEmpty()) {
            return router.session();
        }
        try {
            return router.session(session.shardToken());
        } catch (IllegalArgumentException e) {
            throw Rejected.badInput("consistency token is malformed: " + e.getMessage());
        }
    }

    private static RuntimeException failure(String what, Handle user, SQLException e) {
        if (e instanceof ShardUnavailableException) {
            return new Rejected(Rejected.Why.UNAVAILABLE, e.getMessage());
        }
        return new IllegalStateException("the " + what + " for user '" + user + "' failed: " + e.getMessage(), e);
    }
}
