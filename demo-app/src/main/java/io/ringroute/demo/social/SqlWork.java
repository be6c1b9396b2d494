package io.ringroute.demo.social;

import java.sql.Connection;
import java.sql.SQLException;

/** SQL run on one shard's connection. */
@FunctionalInterface
public interface SqlWork<T> {
    T run(Connection c) throws SQLException;
}
