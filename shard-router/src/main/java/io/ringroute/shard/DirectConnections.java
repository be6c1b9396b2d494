package io.ringroute.shard;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * Opens the connections that live outside the pools (the topology catalog and its watcher, the resharder and its
 * CLI, tools), all the same way: connect and login bounded by the server's connection timeout, every network read
 * by its socket timeout, TCP keepalive on (a host that vanished is noticed even on an idle connection), and an
 * {@code application_name} saying which part of ringroute holds it ({@code pg_stat_activity} shows it).
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
}
