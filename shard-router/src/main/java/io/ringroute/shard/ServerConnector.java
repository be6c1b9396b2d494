package io.ringroute.shard;

import io.ringroute.shard.config.ServerSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Opens the physical connections of a replica's pool and notes which incarnation of the server each one reached ({@code pg_postmaster_start_time()}, one query per new connection). A connection to a restarted server is new,
 * so once it exists the router knows that samples of the old incarnation no longer describe what it serves.
 */
final class ServerConnector extends PGSimpleDataSource {

    static final String STARTED_MICROS = "(extract(epoch FROM pg_postmaster_start_time()) * 1000000)::bigint";
    private static final String STARTED_SQL = "SELECT " + STARTED_MICROS;

    private final transient ServerPool server;

    ServerConnector(ServerPool server, ServerSpec spec) {
        this.server = server;
        setURL(spec.url());
        setUser(spec.user());
        if (!spec.password().isEmpty()) {
            setPassword(spec.password());
        }
        Properties p = new Properties();
        DriverProperties.apply(spec, p);
        try {
            for (Map.Entry<Object, Object> e : p.entrySet()) {
                setProperty((String) e.getKey(), (String) e.getValue());
            }
        } catch (SQLException e) {
            throw new IllegalArgumentException("bad driver property for " + spec.redactedUrl() + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        Connection c = super.getConnection(user, password);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(STARTED_SQL)) {
            rs.next();
            server.sawIncarnation(rs.getLong(1));
            return c;
        } catch (SQLException e) {
            try {
                c.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }
}
