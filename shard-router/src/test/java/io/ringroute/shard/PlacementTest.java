package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.KeyHash;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PlacementTest {

    private static final int KEYS = 10_000;

    @Test
    void rowsWrittenThroughTheRouterSitOnTheShardTheRingNamesWithTheirToken() throws Exception {
        EmbeddedShardCluster cluster = SharedCluster.get();
        Kv kv = new Kv("kv_placement").create(cluster);
        try (ShardRouter router = ShardRouter.builder().topology(cluster.topology())
                .replicaPollInterval(Duration.ofMillis(200)).build()) {
            ExecutorService writers = Executors.newFixedThreadPool(4);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                done.add(writers.submit(() -> {
                    for (int i = first; i < KEYS; i += 4) {
                        String key = "user:" + i;
                        router.write(key, kv.put(key, i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            writers.shutdown();
        }

        HashRing ring = cluster.topology().ring();
        Set<String> seen = new HashSet<>();
        for (EmbeddedShard shard : cluster.shards()) {
            try (Connection c = shard.primary().connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT k, tok FROM kv_placement")) {
                while (rs.next()) {
                    String key = rs.getString(1);
                    assertThat(ring.primary(key).id()).as("owner of %s", key).isEqualTo(shard.name());
                    assertThat(rs.getLong(2)).as("token column of %s", key).isEqualTo(KeyHash.token(key));
                    assertThat(seen.add(key)).as("%s stored once", key).isTrue();
                }
            }
        }
        assertThat(seen).hasSize(KEYS);
    }
}
