package io.ringroute.demo;

import io.ringroute.demo.social.Handle;
import io.ringroute.demo.social.Rejected;
import io.ringroute.demo.social.Session;
import io.ringroute.demo.social.ShardedDatabase;
import io.ringroute.demo.social.SqlWork;
import io.ringroute.shard.Consistency;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.ShardUnavailableException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The social domain's database calls, made through the shard router: writes on the user's shard primary with the
 * session's token advanced, reads at SESSION consistency for a session that wrote and EVENTUAL for one that did
 * not (so the replicas take the anonymous load).
 */
final class RouterDatabase implements ShardedDatabase {
    private static final Duration SCATTER_TIMEOUT = Duration.ofSeconds(5);

    private final ShardRouter router;

    RouterDatabase(ShardRouter router) {
        this.router = router;
    }

    @Override
    public <T> T write(Handle user, Session session, SqlWork<T> work) {
        io.ringroute.shard.Session s = routerSession(session);
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
        try {
            if (session.shardToken().isEmpty()) {
                return router.read(user.value(), Consistency.EVENTUAL, work::run);
            }
            return routerSession(session).read(user.value(), Consistency.SESSION, work::run);
        } catch (SQLException e) {
            throw failure("read", user, e);
        }
    }

    @Override
    public <T> List<T> everyShard(SqlWork<T> work) {
        try {
            return router.scatterGather(Consistency.EVENTUAL, SCATTER_TIMEOUT, work::run, Collectors.toList());
        } catch (SQLException e) {
            throw new IllegalStateException("a query on every shard failed: " + e.getMessage(), e);
        }
    }

    private io.ringroute.shard.Session routerSession(Session session) {
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
