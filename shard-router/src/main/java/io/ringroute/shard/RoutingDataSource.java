package io.ringroute.shard;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** The {@link ShardRouter#dataSource()} facade: routes each connection by the scope bound to the thread. */
final class RoutingDataSource implements DataSource {

    private final ShardRouter router;
    private volatile PrintWriter logWriter;
    private volatile int loginTimeout;

    RoutingDataSource(ShardRouter router) {
        this.router = router;
    }

    @Override
    public Connection getConnection() throws SQLException {
        ShardScope s = router.currentScope();
        if (s == null) {
            throw new SQLException("no shard key is bound to this thread: wrap the JDBC call in "
                    + "router.writeScope(key) or router.readScope(key, consistency) (or a session's scope)");
        }
        return s.isWrite() ? router.openWriteConnection(s) : router.openReadConnection(s);
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
