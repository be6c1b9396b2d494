package io.ringroute.shard;

import java.time.Duration;

/**
 * Every pooled connection to a shard's server was in use for the whole connection timeout: the server is up but
 * busy (or the application holds connections too long), which wants a bigger pool or shorter work, not failover.
 * A {@link ShardUnavailableException} so that callers that treat both alike keep working; SQLState 53300
 * (PostgreSQL's too_many_connections, class 53 "insufficient resources") rather than the 08 connection failures.
 */
public final class ShardPoolExhaustedException extends ShardUnavailableException {

    private static final long serialVersionUID = 1L;

    private final int poolSize;
    private final Duration timeout;

    ShardPoolExhaustedException(String shard, Role role, String server, int poolSize, Duration timeout,
            Throwable cause) {
        super("shard '" + shard + "' " + describe(role) + " connection pool is exhausted (the server is reachable"
                + " but busy): all " + poolSize + " connections of " + server + " stayed in use for "
                + timeout.toMillis() + " ms", "53300", shard, role, cause);
        this.poolSize = poolSize;
        this.timeout = timeout;
    }

    /** The pool's maximum size. */
    public int poolSize() {
        return poolSize;
    }

    /** How long the request waited for a connection. */
    public Duration timeout() {
        return timeout;
    }
}
