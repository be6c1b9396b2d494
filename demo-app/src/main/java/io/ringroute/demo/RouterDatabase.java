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
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The social domain's database calls, made through the shard router: writes on the user's shard primary with the
 * session's token advanced, reads at SESSION consistency for a session that wrote and EVENTUAL for one that did
 * not (so the replicas take the anonymous load).
 *
 * <p>The router can be replaced while requests run ({@link #replace}): a router knows only the servers it was
 * built with, so a shard started at run time needs a new router (tokens carry over: they are router-independent).
 */
public final class RouterDatabase implements ShardedDatabase, AutoCloseable {
    private static final Duration SCATTER_TIMEOUT = Duration.ofSeconds(5);
    /** How long a replaced router stays open for the requests that already hold it. */
    static final Duration RETIRE_AFTER = Duration.ofSeconds(2);

    private volatile ShardRouter router;
    private final Set<ShardRouter> retiring = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService retirer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "router-retirer");
        t.setDaemon(true);
        return t;
    });

    public RouterDatabase(ShardRouter router) {
        this.router = router;
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
        io.ringroute.shard.Session s = routerSession(router, session);
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
        try {
            if (session.shardToken().isEmpty()) {
                return router.read(user.value(), Consistency.EVENTUAL, work::run);
            }
            return routerSession(router, session).read(user.value(), Consistency.SESSION, work::run);
        } catch (SQLException e) {
            throw failure("read", user, e);
        }
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
