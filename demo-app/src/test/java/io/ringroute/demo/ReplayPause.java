package io.ringroute.demo;

import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShard;
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

    static ReplayPause on(EmbeddedShard shard) {
        shard.replicas().forEach(EmbeddedServer::pauseReplay);
        return new ReplayPause(shard.replicas());
    }

    @Override
    public void close() {
        standbys.forEach(EmbeddedServer::resumeReplay);
    }
}
