package io.ringroute.shard;

import java.sql.SQLTransientException;
import java.time.Duration;

/**
 * A write unit could not pass a shard's write gate within the router's fence wait: a resharding cutover holds it
 * (or a stopped resharder still did). Nothing of the unit ran; retrying it is safe. SQLState 55P03
 * (lock_not_available), as PostgreSQL reports the lock timeout.
 */
public final class WriteFenceTimeoutException extends SQLTransientException {

    private static final long serialVersionUID = 1L;

    private final String shard;
    private final Duration waited;

    WriteFenceTimeoutException(String shard, Duration waited, Throwable cause) {
        super("shard '" + shard + "' held its writes for longer than " + waited.toMillis() + " ms: a resharding"
                + " cutover holds its write gate; nothing was written, retry (if it persists, see `reshard status`)",
                "55P03", cause);
        this.shard = shard;
        this.waited = waited;
    }

    public String shard() {
        return shard;
    }

    /** How long the unit waited at the gate. */
    public Duration waited() {
        return waited;
    }
}
