package io.ringroute.shard;

import io.ringroute.ring.KeyHash;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The {@link ShardRouter#dataSource()} facade: routes each connection by the {@link ShardScope} bound to the
 * thread, a write scope to the write path's primary connection, a read scope to the read path's choice.
 */
final class RoutingDataSource implements DataSource {

    private final RouterTopology topology;
    private final WritePath writes;
    private final ReadPath reads;
    private final ThreadLocal<ShardScope> scope = new ThreadLocal<>();
    private volatile PrintWriter logWriter;
    private volatile int loginTimeout;

    RoutingDataSource(RouterTopology topology, WritePath writes, ReadPath reads) {
        this.topology = topology;
        this.writes = writes;
        this.reads = reads;
    }

    /** Binds a key (a write scope when {@code consistency} is null) to this data source on this thread. */
    ShardScope bind(String key, Consistency consistency, Session session) {
        if (consistency != null) {
            ReadPath.requireSession(consistency, session);
            topology.catchUpWith(session);
        }
        return new ShardScope(scope, KeyHash.token(key), consistency, session);
    }

    @Override
    public Connection getConnection() throws SQLException {
        ShardScope s = scope.get();
        if (s == null) {
            throw new SQLException("no shard key is bound to this thread: wrap the JDBC call in "
                    + "router.writeScope(key) or router.readScope(key, consistency) (or a session's scope)");
        }
        return s.isWrite() ? writes.openWriteConnection(s) : reads.openReadConnection(s);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the routing data source uses each server's configured user");
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    public void setLoginTimeout(int seconds) {
        this.loginTimeout = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeout;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("logs go through SLF4J");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
