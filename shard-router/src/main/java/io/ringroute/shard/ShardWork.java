package io.ringroute.shard;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A unit of work on one shard's connection. For writes it runs inside a transaction the router commits; for reads
 * it may run a second time on another server if the first one dies under it, so reads must not have side effects.
 *
 * @param <T> what the work returns
 */
@FunctionalInterface
public interface ShardWork<T> {
    T apply(Connection connection) throws SQLException;
}
