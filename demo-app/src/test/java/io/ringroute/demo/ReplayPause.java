package io.ringroute.demo;

import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShard;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * WAL replay paused on every standby of a shard until closed: a lag that does not depend on timing, so a test can
 * know that a standby has not yet seen a write.
 */
final class ReplayPause implements AutoCloseable {

    private final List<EmbeddedServer> standbys;

    private ReplayPause(List<EmbeddedServer> standbys) {
        this.standbys = standbys;
    }

    static ReplayPause on(EmbeddedShard shard) throws SQLException {
        ReplayPause pause = new ReplayPause(shard.replicas());
        pause.run("SELECT pg_wal_replay_pause()");
        return pause;
    }

    @Override
    public void close() throws SQLException {
        run("SELECT pg_wal_replay_resume()");
    }

    private void run(String sql) throws SQLException {
        for (EmbeddedServer standby : standbys) {
            try (Connection c = standby.connect(); Statement st = c.createStatement()) {
                st.execute(sql);
            }
        }
    }
}
