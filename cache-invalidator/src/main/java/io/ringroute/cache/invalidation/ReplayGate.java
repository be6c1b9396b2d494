package io.ringroute.cache.invalidation;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Holds a delivery until the shard's standbys have replayed it. A reader that misses a deleted key loads it again,
 * often from a standby; deleting before that standby has the change would let the reader cache the old row again,
 * and no later invalidation would remove it. (Facebook's McSqueal avoids the same race by reading each region's
 * own replica's log.) A standby that does not get there within the wait (down, or far behind) does not hold the
 * delivery longer: it is reported, and the delivery goes ahead.
 */
final class ReplayGate implements AutoCloseable {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** A standby to wait for: where it is and how to log in. */
    record Standby(String url, String user, String password) {
        @Override
        public String toString() {
            return InvalidatorSettings.redact(url);
        }
    }

    private final List<Standby> standbys;
    private final Duration maxWait;
    private final Connection[] connections;

    ReplayGate(List<Standby> standbys, Duration maxWait) {
        this.standbys = List.copyOf(standbys);
        this.maxWait = maxWait;
        this.connections = new Connection[standbys.size()];
    }

    /** Waits until every standby has replayed {@code lsn}, at most the max wait; returns those that had not. */
    List<String> await(long lsn) {
        List<String> behind = new ArrayList<>();
        long deadline = System.nanoTime() + maxWait.toNanos();
        String position = SlotStream.lsn(lsn);
        for (int i = 0; i < standbys.size(); i++) {
            String error = "not replayed in " + maxWait.toMillis() + " ms";
            while (true) {
                try {
                    if (replayed(i, position)) {
                        error = null;
                        break;
                    }
                } catch (SQLException e) {
                    error = e.getMessage();
                    closeConnection(i);
                }
                if (System.nanoTime() >= deadline) {
                    break;
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
            if (error != null) {
                behind.add(standbys.get(i) + ": " + error);
            }
        }
        return behind;
    }

    private boolean replayed(int i, String position) throws SQLException {
        if (connections[i] == null) {
            Standby s = standbys.get(i);
            Properties p = new Properties();
            p.setProperty("user", s.user());
            if (s.password() != null) {
                p.setProperty("password", s.password());
            }
            p.setProperty("connectTimeout", "2");
            p.setProperty("socketTimeout", "5");
            p.setProperty("ApplicationName", "ringroute-invalidator-replay-gate");
            connections[i] = DriverManager.getConnection(s.url(), p);
        }
        // Null on a server that is not in recovery (a promoted standby): it has everything it will serve.
        try (PreparedStatement ps = connections[i].prepareStatement(
                "SELECT coalesce(pg_last_wal_replay_lsn() >= ?::pg_lsn, true)")) {
            ps.setString(1, position);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void closeConnection(int i) {
        if (connections[i] != null) {
            try {
                connections[i].close();
            } catch (SQLException e) {
                // already broken
            }
            connections[i] = null;
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < connections.length; i++) {
            closeConnection(i);
        }
    }
}
