package io.ringroute.cache.invalidation;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * One session on a shard primary's logical replication slot ({@code pgoutput}): makes sure the publication and the
 * slot exist, then streams from the slot's confirmed position. The slot admits one stream at a time, which is what
 * keeps a second invalidator of the same shard idle: its start fails with {@link SlotInUseException}.
 */
final class SlotStream implements AutoCloseable {

    /** SQLSTATE object_in_use: the slot is streaming to another session. */
    private static final String OBJECT_IN_USE = "55006";
    private static final String DUPLICATE_OBJECT = "42710";

    private final Connection connection;
    private final PGReplicationStream stream;
    private long confirmed;

    private SlotStream(Connection connection, PGReplicationStream stream) {
        this.connection = connection;
        this.stream = stream;
    }

    /** Thrown when another session streams from the slot. */
    static final class SlotInUseException extends Exception {
        SlotInUseException(String message) {
            super(message);
        }
    }

    /**
     * Opens a session on the slot, creating the publication and the slot first if missing.
     *
     * @param beforeCreatingSlot runs before a missing slot is created (and may stop it by throwing): changes
     *     committed before the slot existed will never be decoded
     */
    static SlotStream open(InvalidatorSettings s, Runnable beforeCreatingSlot) throws SQLException,
            SlotInUseException {
        try (Connection c = DriverManager.getConnection(s.url(), properties(s, false))) {
            prepare(c, s, beforeCreatingSlot);
        }
        Connection replication = DriverManager.getConnection(s.url(), properties(s, true));
        try {
            var logical = replication.unwrap(PGConnection.class).getReplicationAPI()
                    .replicationStream().logical()
                    .withSlotName(s.slot())
                    .withSlotOption("proto_version", 1)
                    .withSlotOption("publication_names", s.publication());
            if (s.marker() != null) {
                logical = logical.withSlotOption("messages", true); // PostgreSQL 14 and later
            }
            PGReplicationStream stream = logical.withStatusInterval(1, TimeUnit.SECONDS).start();
            return new SlotStream(replication, stream);
        } catch (SQLException e) {
            replication.close();
            if (OBJECT_IN_USE.equals(e.getSQLState())) {
                throw new SlotInUseException(e.getMessage());
            }
            throw e;
        }
    }

    private static void prepare(Connection c, InvalidatorSettings s, Runnable beforeCreatingSlot)
            throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW wal_level")) {
            rs.next();
            if (!"logical".equals(rs.getString(1))) {
                throw new IllegalStateException("wal_level is '" + rs.getString(1) + "' on " + s.redactedUrl()
                        + ": logical decoding needs wal_level = logical (set it and restart the server)");
            }
        }
        if (!exists(c, "SELECT 1 FROM pg_publication WHERE pubname = ?", s.publication())) {
            String target = s.tables().isEmpty() ? "ALL TABLES" : "TABLE " + String.join(", ", s.tables());
            try (Statement st = c.createStatement()) {
                st.execute("CREATE PUBLICATION " + s.publication() + " FOR " + target);
            } catch (SQLException e) {
                if (!DUPLICATE_OBJECT.equals(e.getSQLState())) {
                    throw e;
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT plugin FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, s.slot());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    if (!"pgoutput".equals(rs.getString(1))) {
                        throw new IllegalStateException("replication slot '" + s.slot() + "' on " + s.redactedUrl()
                                + " decodes with '" + rs.getString(1) + "', not pgoutput: pick another slot name");
                    }
                    return;
                }
            }
        }
        beforeCreatingSlot.run();
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, s.slot());
            ps.execute();
        } catch (SQLException e) {
            if (!DUPLICATE_OBJECT.equals(e.getSQLState())) { // another invalidator created it first
                throw e;
            }
        }
    }

    private static boolean exists(Connection c, String sql, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static Properties properties(InvalidatorSettings s, boolean replication) {
        Properties p = new Properties();
        PGProperty.USER.set(p, s.user());
        if (s.password() != null) {
            PGProperty.PASSWORD.set(p, s.password());
        }
        PGProperty.CONNECT_TIMEOUT.set(p, (int) Math.max(1, s.callTimeout().toSeconds()));
        PGProperty.TCP_KEEP_ALIVE.set(p, true);
        PGProperty.APPLICATION_NAME.set(p, "ringroute-invalidator-" + s.slot());
        if (replication) {
            PGProperty.REPLICATION.set(p, "database");
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
            PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        } else {
            PGProperty.SOCKET_TIMEOUT.set(p, (int) Math.max(1, s.callTimeout().toSeconds() * 5));
        }
        return p;
    }

    /** The next message if one has arrived, else null; never blocks. */
    ByteBuffer readPending() throws SQLException {
        return stream.readPending();
    }

    /** The position of the last message or keepalive received. */
    long lastReceived() {
        return stream.getLastReceiveLSN().asLong();
    }

    /** Tells the server everything up to {@code lsn} is delivered: the slot may release that WAL. */
    void confirm(long lsn) throws SQLException {
        if (lsn <= confirmed) {
            return;
        }
        LogSequenceNumber position = LogSequenceNumber.valueOf(lsn);
        stream.setAppliedLSN(position);
        stream.setFlushedLSN(position);
        stream.forceUpdateStatus();
        confirmed = lsn;
    }

    /** Sends a status update at the position already confirmed, so the server does not time the session out. */
    void keepAlive() throws SQLException {
        stream.forceUpdateStatus();
    }

    long confirmed() {
        return confirmed;
    }

    @Override
    public void close() {
        try {
            stream.close();
        } catch (SQLException e) {
            // the connection is going anyway
        }
        try {
            connection.close();
        } catch (SQLException e) {
            // already closed
        }
    }

    static String lsn(long lsn) {
        return LogSequenceNumber.valueOf(lsn).asString();
    }
}
