package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Read-your-writes against two real shards with streaming standbys. Where a read goes is decided by the standby's
 * replay position against the session's commit position, and the tests make "the standby is behind" a fact rather
 * than a matter of timing: replay is paused ({@code pg_wal_replay_pause()}) before the write, so the standby
 * cannot have it; after {@code pg_wal_replay_resume()} the tests wait until the standby's replay LSN has reached the
 * commit position and the router has polled it since.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadYourWritesTest {

    private final EmbeddedShardCluster cluster = SharedCluster.get();
    private final Kv kv = new Kv("kv_ryw");
    private ShardRouter router;
    private ShardRouter otherRouter;
    private final Map<String, List<String>> keysByShard = new HashMap<>();

    @BeforeAll
    void start() throws Exception {
        kv.create(cluster);
        router = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(20)).build();
        otherRouter = ShardRouter.builder().topology(cluster.topology()).replicaPollInterval(Duration.ofMillis(20))
                .build();
        for (int i = 0; keysByShard.values().stream().mapToInt(List::size).sum() < 20; i++) {
            String key = "ryw-" + i;
            List<String> keys = keysByShard.computeIfAbsent(router.shardOf(key), s -> new ArrayList<>());
            if (keys.size() < 10) {
                keys.add(key);
            }
        }
        assertThat(keysByShard).containsOnlyKeys("shard-0", "shard-1");
        Session seed = router.session();
        for (List<String> keys : keysByShard.values()) {
            for (String k : keys) {
                seed.write(k, kv.put(k, 0));
            }
        }
        awaitReplayed(router, seed, "shard-0");
        awaitReplayed(router, seed, "shard-1");
    }

    @AfterAll
    void stop() {
        router.close();
        otherRouter.close();
    }

    @Test
    void anEventualReadOfAReplicaThatHasNotReplayedAWriteReturnsTheOldValue() throws Exception {
        String key = key("shard-0", 0);
        Session session = router.session();
        session.write(key, kv.put(key, 1));
        awaitReplayed(router, session, "shard-0");

        try (Paused paused = pause("shard-0")) {
            session.write(key, kv.put(key, 2));
            assertBehind(session, "shard-0");
            long replicaReads = replica(router, "shard-0").reads();

            assertThat(router.read(key, Consistency.EVENTUAL, kv.get(key))).as("the standby has not replayed 2")
                    .isEqualTo(1);
            assertThat(replica(router, "shard-0").reads()).isEqualTo(replicaReads + 1);
            assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(2);
        }
    }

    @Test
    void aSessionReadGoesToThePrimaryWhileTheReplicaHasNotReplayedTheSessionsCommitAndToTheReplicaOnceItHas()
            throws Exception {
        String behind = key("shard-0", 1);
        String caughtUp = key("shard-1", 1);
        Session session = router.session();
        try (Paused paused = pause("shard-0")) {
            session.write(behind, kv.put(behind, 21));
            session.write(caughtUp, kv.put(caughtUp, 22));
            assertBehind(session, "shard-0");
            awaitReplayed(router, session, "shard-1");
            RouterMetrics before = router.metrics();

            assertThat(router.serverFor(behind, Consistency.SESSION, session)).isEqualTo("shard-0/primary");
            assertThat(session.read(behind, Consistency.SESSION, kv.get(behind))).isEqualTo(21);
            assertThat(router.serverFor(caughtUp, Consistency.SESSION, session)).isEqualTo("shard-1/replica0");
            assertThat(session.read(caughtUp, Consistency.SESSION, kv.get(caughtUp))).isEqualTo(22);

            RouterMetrics after = router.metrics();
            assertThat(reads(after, "shard-0", Role.PRIMARY) - reads(before, "shard-0", Role.PRIMARY)).isOne();
            assertThat(after.fallbacks("shard-0", FallbackReason.REPLICA_BEHIND)
                    - before.fallbacks("shard-0", FallbackReason.REPLICA_BEHIND)).isOne();
            assertThat(reads(after, "shard-1", Role.REPLICA) - reads(before, "shard-1", Role.REPLICA)).isOne();
        }
        awaitReplayed(router, session, "shard-0");
        long replicaReads = replica(router, "shard-0").reads();

        assertThat(router.serverFor(behind, Consistency.SESSION, session)).isEqualTo("shard-0/replica0");
        assertThat(session.read(behind, Consistency.SESSION, kv.get(behind))).isEqualTo(21);
        assertThat(replica(router, "shard-0").reads()).isEqualTo(replicaReads + 1);
    }

    @Test
    void aSessionContinuedFromItsTokenOnAnotherRouterIsRoutedByTheSameCommitPosition() throws Exception {
        String key = key("shard-1", 2);
        Session writer = router.session();
        Session reader;
        try (Paused paused = pause("shard-1")) {
            writer.write(key, kv.put(key, 31));
            reader = otherRouter.session(writer.token().toString());
            assertThat(reader.token().lsn("shard-1")).isEqualTo(writer.token().lsn("shard-1"));
            assertBehind(reader, "shard-1");
            long primaryReads = primary(otherRouter, "shard-1").reads();

            assertThat(reader.read(key, Consistency.SESSION, kv.get(key))).isEqualTo(31);
            assertThat(primary(otherRouter, "shard-1").reads()).isEqualTo(primaryReads + 1);
        }
        awaitReplayed(otherRouter, reader, "shard-1");
        long replicaReads = replica(otherRouter, "shard-1").reads();

        assertThat(reader.read(key, Consistency.SESSION, kv.get(key))).isEqualTo(31);
        assertThat(replica(otherRouter, "shard-1").reads()).isEqualTo(replicaReads + 1);
    }

    @Test
    void onceTheReplicasHaveReplayedTheSessionsWritesEverySessionAndEventualReadUsesThem() throws Exception {
        Session session = router.session();
        List<String> keys = new ArrayList<>();
        keysByShard.values().forEach(k -> keys.addAll(k.subList(5, 10)));
        for (String k : keys) {
            session.write(k, kv.put(k, 7));
        }
        awaitReplayed(router, session, "shard-0");
        awaitReplayed(router, session, "shard-1");

        RouterMetrics before = router.metrics();
        for (String k : keys) {
            assertThat(session.read(k, Consistency.SESSION, kv.get(k))).isEqualTo(7);
            assertThat(router.read(k, Consistency.EVENTUAL, kv.get(k))).isEqualTo(7);
        }
        RouterMetrics after = router.metrics();
        assertThat(after.replicaReads() - before.replicaReads()).as("reads served by replicas")
                .isEqualTo(2L * keys.size());
        assertThat(after.primaryReads() - before.primaryReads()).as("reads served by primaries").isZero();
    }

    @Test
    void boundedStalenessUsesAReplicaOnlyWithinItsBound() throws Exception {
        String key = key("shard-1", 3);
        Consistency tight = Consistency.boundedStaleness(Duration.ofMillis(100));
        try (Paused paused = pause("shard-1")) {
            router.write(key, kv.put(key, 3));
            // the paused standby serves the state before the write, which only gets older
            await().atMost(Duration.ofSeconds(20)).until(() -> router.serverFor(key, tight, null),
                    "shard-1/primary"::equals);
            assertThat(router.serverFor(key, Consistency.boundedStaleness(Duration.ofHours(1)), null))
                    .isEqualTo("shard-1/replica0");
            long fallbacks = router.metrics().fallbacks("shard-1", FallbackReason.REPLICA_BEHIND);

            assertThat(router.read(key, tight, kv.get(key))).isEqualTo(3);
            assertThat(router.metrics().fallbacks("shard-1", FallbackReason.REPLICA_BEHIND)).isEqualTo(fallbacks + 1);
        }
    }

    @Test
    void aTokenFromAnotherServerHistorySendsSessionReadsToThePrimary() {
        String key = key("shard-0", 2);
        Session session = router.session();
        session.recordWrite(session.positionTicket(), "shard-0", new ServerIdentity(42, 1), 1, 0);   // e.g. written before a failover
        assertThat(router.serverFor(key, Consistency.SESSION, session)).isEqualTo("shard-0/primary");
        assertThat(router.serverFor(key, Consistency.SESSION, router.session())).isEqualTo("shard-0/replica0");
    }

    @Test
    void withASessionWaitASessionReadWaitsForTheReplicaInsteadOfUsingThePrimary() throws Exception {
        try (ShardRouter waiting = ShardRouter.builder().topology(cluster.topology())
                .replicaPollInterval(Duration.ofMillis(20)).sessionWait(Duration.ofMinutes(1)).build()) {
            String key = key("shard-1", 4);
            Session session = waiting.session();
            CompletableFuture<Long> read;
            RouterMetrics before;
            try (Paused paused = pause("shard-1")) {
                session.write(key, kv.put(key, 11));
                assertBehind(session, "shard-1");
                before = waiting.metrics();
                read = CompletableFuture.supplyAsync(() -> {
                    try {
                        return session.read(key, Consistency.SESSION, kv.get(key));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                await().atMost(Duration.ofSeconds(20)).until(() -> askedForReplayPosition(standby("shard-1")));
                assertThat(read).as("the read waits while replay is paused").isNotDone();
            }

            assertThat(read.get()).isEqualTo(11);
            RouterMetrics after = waiting.metrics();
            assertThat(after.replicaReads()).isEqualTo(before.replicaReads() + 1);
            assertThat(after.primaryReads()).isEqualTo(before.primaryReads());
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /** Replay paused on a shard's standby until closed. */
    private interface Paused extends AutoCloseable {
        @Override
        void close();
    }

    private Paused pause(String shard) {
        EmbeddedServer standby = standby(shard);
        standby.pauseReplay();
        return standby::resumeReplay;
    }

    private EmbeddedServer standby(String shard) {
        return cluster.shard(shard).replica(0);
    }

    /** The standby has not replayed the session's last commit on the shard. */
    private void assertBehind(Session session, String shard) {
        assertThat(Long.compareUnsigned(standby(shard).replayLsn(), session.token().lsn(shard).orElseThrow()))
                .as("%s's standby replay LSN against the session's commit position", shard).isNegative();
    }

    /**
     * Waits until the shard's standby has replayed the session's last commit there and {@code router} has finished
     * two polls of it since (the first may have started before), so the router's sample covers the commit.
     */
    private void awaitReplayed(ShardRouter router, Session session, String shard) {
        long position = session.token().lsn(shard).orElseThrow();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Long.compareUnsigned(standby(shard).replayLsn(), position) >= 0);
        long polls = replica(router, shard).polls();
        await().atMost(Duration.ofSeconds(30)).until(() -> replica(router, shard).polls() >= polls + 2);
    }

    /** Whether a connection other than the router's poller has asked the standby for its replay position. */
    private static boolean askedForReplayPosition(EmbeddedServer standby) throws Exception {
        try (Connection c = standby.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
                     + " AND application_name <> 'ringroute-poller' AND query LIKE '%pg_last_wal_replay_lsn%'")) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

    private String key(String shard, int i) {
        return keysByShard.get(shard).get(i);
    }

    private static ServerMetrics replica(ShardRouter router, String shard) {
        return router.metrics().replicas(shard).get(0);
    }

    private static ServerMetrics primary(ShardRouter router, String shard) {
        return router.metrics().primary(shard).orElseThrow();
    }

    private static long reads(RouterMetrics metrics, String shard, Role role) {
        return metrics.servers().stream().filter(s -> s.shard().equals(shard) && s.role() == role)
                .mapToLong(ServerMetrics::reads).sum();
    }

    static void awaitReplicasCaughtUp(ShardRouter router) {
        await().atMost(Duration.ofSeconds(20)).until(() -> router.metrics().servers().stream()
                .filter(s -> s.role() == Role.REPLICA).allMatch(s -> s.healthy() && s.lagBytes() == 0));
    }
}
