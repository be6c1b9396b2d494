package io.ringroute.shard;

import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A catalog notification that arrives while a refresh is running starts another refresh after it: the running one
 * may have read the catalog before the change. Without that, a leasing router learned of a shard being fenced
 * only at its next poll, and a cutover waited for its leases meanwhile. The poll interval here is an hour, so only
 * the notification can bring the second refresh.
 */
class CatalogNotificationTest {

    @Test
    void aNotificationDuringARefreshStartsAnotherRefreshAfterIt() throws Exception {
        EmbeddedShardCluster cluster = SharedCluster.get();
        try (EmbeddedServer server = cluster.startStandalone("notification-catalog")) {
            CatalogSpec spec = new CatalogSpec(server.spec(), "rr_notification", Duration.ofHours(1));
            try (TopologyCatalog setup = TopologyCatalog.connect(spec)) {
                setup.initialize(cluster.topology());
            }
            CountDownLatch inFirstRefresh = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger refreshes = new AtomicInteger();
            try (CapturedLog log = new CapturedLog(); TopologyCatalog catalog = TopologyCatalog.connect(spec);
                 CatalogWatcher watcher = new CatalogWatcher(catalog, () -> 1, s -> { }, fenced -> {
                     if (refreshes.incrementAndGet() == 1) {      // the refresh has read the catalog: hold it here
                         inFirstRefresh.countDown();
                         awaitQuietly(release);
                     }
                 }); Connection c = server.connect(); Statement st = c.createStatement()) {
                assertThat(inFirstRefresh.await(30, TimeUnit.SECONDS)).as("the first refresh ran").isTrue();
                st.execute("SELECT pg_notify('" + catalog.channel() + "', 'during-the-refresh')");
                await("the watcher has the notification").atMost(Duration.ofSeconds(30)).until(() -> log
                        .linesOf(CatalogWatcher.class).stream().anyMatch(l -> l.contains("during-the-refresh")));
                assertThat(refreshes).as("no refresh has started meanwhile").hasValue(1);

                release.countDown();
                await("a refresh after the one that ran").atMost(Duration.ofSeconds(30))
                        .until(() -> refreshes.get() >= 2);
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
