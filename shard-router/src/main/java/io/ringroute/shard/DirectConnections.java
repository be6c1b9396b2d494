package io.ringroute.shard;

import io.ringroute.shard.config.ServerSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Properties;

/**
 * Opens the connections that live outside the pools (the topology catalog and its watcher, the resharder and its
 * CLI, tools), all the same way: connect and login bounded by the server's connection timeout, every network read
 * by its socket timeout, TCP keepalive on (a host that vanished is noticed even on an idle connection), and an
 * {@code application_name} saying which part of ringroute holds it ({@code pg_stat_activity} shows it). Also
 * tells a lost connection or server from a failed statement, for these connections and the pooled ones alike.
 */
public final class DirectConnections {

    private DirectConnections() {
    }

    /**
     * A new connection to {@code spec} named {@code applicationName}; a failure keeps the driver's SQLState and
     * names the server by its redacted URL.
     */
    public static Connection open(ServerSpec spec, String applicationName) throws SQLException {
        return open(spec, applicationName, spec.socketTimeout());
    }

    /** The same with another bound on each network read ({@link Duration#ZERO}: none). */
    public static Connection open(ServerSpec spec, String applicationName, Duration socketTimeout)
            throws SQLException {
        if (applicationName == null || applicationName.isBlank()) {
            throw new IllegalArgumentException("applicationName must be non-empty");
        }
        Properties p = DriverProperties.forDirectConnection(spec);
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("socketTimeout", Long.toString((socketTimeout.toMillis() + 999) / 1000));
        try {
            return DriverManager.getConnection(spec.url(), p);
        } catch (SQLException e) {
            throw new SQLException(applicationName + " could not connect to " + spec.redactedUrl() + ": "
                    + e.getMessage(), e.getSQLState(), e);
        }
    }

    /** True for errors that mean the connection or server is gone, not that the SQL was wrong. */
    public static boolean isConnectionFailure(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
        }
        return hasServerFailureState(e);
    }

    /** True if the cause chain has an SQLState saying the connection failed or the server is shutting down. */
    static boolean hasServerFailureState(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                        || state.equals("57P03")) {
                    return true;
                }
            }
        }
        return false;
    }
}
