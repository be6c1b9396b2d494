package io.ringroute.cache.invalidation;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.replication.LogSequenceNumber;

/** A real embedded PostgreSQL 17 with logical decoding on, as a shard primary for the invalidator's tests. */
final class LogicalPostgres implements AutoCloseable {

    private final EmbeddedPostgres pg;

    private LogicalPostgres(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    static LogicalPostgres start() {
        try {
            return new LogicalPostgres(EmbeddedPostgres.builder()
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_replication_slots", "20")
                    .setServerConfig("max_wal_senders", "20")
                    .setServerConfig("synchronous_commit", "on")
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start", e);
        }
    }

    String url() {
        return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
    }

    /** A data source that logs in as {@code user} (trusted locally, as zonky's initdb sets it up). */
    DataSource dataSource(String user) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(url());
        ds.setUser(user);
        ds.setConnectTimeout(5);
        return ds;
    }

    void execute(String... sql) {
        try (Connection c = dataSource("postgres").getConnection(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Runs one autocommit statement and returns the WAL position right after its commit. */
    long commit(String sql) {
        try (Connection c = dataSource("postgres").getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
            try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()")) {
                rs.next();
                return LogSequenceNumber.valueOf(rs.getString(1)).asLong();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The slot's confirmed position, or -1 if it does not exist. */
    long confirmed(String slot) {
        try (Connection c = dataSource("postgres").getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? LogSequenceNumber.valueOf(rs.getString(1)).asLong() : -1;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }
}
