package io.ringroute.shard;

import java.sql.SQLTimeoutException;
import java.time.Duration;
import java.util.List;

/** A scatter-gather query did not hear from every shard in time; names the shards that did not answer. */
public class ScatterTimeoutException extends SQLTimeoutException {

    private static final long serialVersionUID = 1L;

    private final List<String> shards;

    public ScatterTimeoutException(List<String> shards, Duration timeout) {
        super("scatter-gather timed out after " + timeout.toMillis() + "ms waiting for shard(s) " + shards);
        this.shards = List.copyOf(shards);
    }

    /** The shards that had not answered. */
    public List<String> shards() {
        return shards;
    }
}
