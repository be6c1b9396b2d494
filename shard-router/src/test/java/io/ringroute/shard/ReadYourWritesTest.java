package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Read-your-writes against two real shards whose standbys apply every commit 500 ms late. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadYourWritesTest {

    private static final int MIN_CYCLES = 500;
    private static final Duration PHASE = Duration.ofMillis(900);

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
        for (int i = 0; keysByShard.values().stream().mapToInt(List::size).sum() < 100; i++) {
            String key = "ryw-" + i;
            List<String> keys = keysByShard.computeIfAbsent(router.shardOf(key), s -> new ArrayList<>());
            if (keys.size() < 50) {
                keys.add(key);
            }
        }
        assertThat(keysByShard).containsOnlyKeys("shard-0", "shard-1");
        for (List<String> keys : keysByShard.values()) {
            for (String k : keys) {
                router.write(k, kv.put(k, 0));
            }
        }
        awaitReplicasCaughtUp(router);
    }

    @AfterAll
    void stop() {
        router.close();
        otherRouter.close();
    }

    @Test
    void aPlainReplicaReadRightAfterAWriteReturnsTheOldValue() throws Exception {
        String key = keysByShard.get("shard-0").get(0);
        router.write(key, kv.put(key, 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> router.read(key, Consistency.EVENTUAL, kv.get(key)) == 1);
        assertThat(router.serverFor(key, Consistency.EVENTUAL, null)).isEqualTo("shard-0/replica0");

        long replicaReads = router.metrics().replicaReads();
        router.write(key, kv.put(key, 2));
        long seen = router.read(key, Consistency.EVENTUAL, kv.get(key));

        assertThat(seen).as("the replica applies commits 500 ms late, so it still has the old value").isEqualTo(1);
        assertThat(router.metrics().replicaReads()).isEqualTo(replicaReads + 1);
        assertThat(router.read(key, Consistency.STRONG, kv.get(key))).isEqualTo(2);
    }

    @Test
    void sessionReadsRightAfterTheSessionsOwnWritesAreNeverStale() throws Exception {
        Session session = router.session();
        Outcome outcome = writeThenReadCycles(session, s -> s);
        assertThat(outcome.stale).as("stale SESSION reads").isZero();
        assertThat(outcome.cycles).isGreaterThanOrEqualTo(MIN_CYCLES);
        assertThat(outcome.replicaReads).as("SESSION reads of the shard written less recently used its replica")
                .isPositive();
    }

    @Test
    void sessionReadsThroughTheTokenRoundTripOnAnotherRouterAreNeverStale() throws Exception {
        Session writer = router.session();
        Outcome outcome = writeThenReadCycles(writer,
                s -> otherRouter.session(ConsistencyToken.parse(s.token().toString()).toString()));
        assertThat(outcome.stale).as("stale SESSION reads after the token round trip").isZero();
        assertThat(outcome.cycles).isGreaterThanOrEqualTo(MIN_CYCLES);
        assertThat(outcome.replicaReads).isPositive();
    }

    @Test
    void sessionAndEventualReadsGoToReplicasWhenTheSessionHasNotWrittenRecently() throws Exception {
        Session session = router.session();
        List<String> keys = new ArrayList<>();
        keysByShard.values().forEach(k -> keys.addAll(k.subList(40, 50)));
        for (String k : keys) {
            session.write(k, kv.put(k, 7));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> keys.stream()
                .allMatch(k -> router.serverFor(k, Consistency.SESSION, session).contains("replica")));

        RouterMetrics before = router.metrics();
        for (int i = 0; i < 200; i++) {
            String k = keys.get(i % keys.size());
            assertThat(session.read(k, Consistency.SESSION, kv.get(k))).isEqualTo(7);
            router.read(k, Consistency.EVENTUAL, kv.get(k));
        }
        RouterMetrics after = router.metrics();
        double replicaShare = (after.replicaReads() - before.replicaReads()) / 400.0;
        assertThat(replicaShare).as("share of SESSION + EVENTUAL reads served by replicas").isGreaterThan(0.95);
    }

    @Test
    void boundedStalenessUsesAReplicaOnlyWithinItsBound() throws Exception {
        String key = keysByShard.get("shard-1").get(1);
        router.write(key, kv.put(key, 3));
        Thread.sleep(150);   // the replica now serves state at least 150 ms old, until it applies the write

        assertThat(router.serverFor(key, Consistency.boundedStaleness(Duration.ofMillis(100)), null))
                .isEqualTo("shard-1/primary");
        assertThat(router.serverFor(key, Consistency.boundedStaleness(Duration.ofSeconds(30)), null))
                .isEqualTo("shard-1/replica0");
        assertThat(router.read(key, Consistency.boundedStaleness(Duration.ofMillis(100)), kv.get(key))).isEqualTo(3);
    }

    @Test
    void aTokenFromAnotherServerHistorySendsSessionReadsToThePrimary() {
        String key = keysByShard.get("shard-0").get(2);
        Session session = router.session();
        session.recordWrite(session.positionTicket(), "shard-0", new ServerIdentity(42, 1), 1, 0);   // e.g. written before a failover
        assertThat(router.serverFor(key, Consistency.SESSION, session)).isEqualTo("shard-0/primary");
        assertThat(router.serverFor(key, Consistency.SESSION, router.session())).isEqualTo("shard-0/replica0");
    }

    @Test
    void withASessionWaitASessionReadWaitsForTheReplicaInsteadOfUsingThePrimary() throws Exception {
        try (ShardRouter waiting = ShardRouter.builder().topology(cluster.topology())
                .replicaPollInterval(Duration.ofMillis(20)).sessionWait(Duration.ofSeconds(5)).build()) {
            String key = keysByShard.get("shard-1").get(3);
            Session session = waiting.session();
            session.write(key, kv.put(key, 11));
            RouterMetrics before = waiting.metrics();

            assertThat(session.read(key, Consistency.SESSION, kv.get(key))).isEqualTo(11);

            RouterMetrics after = waiting.metrics();
            assertThat(after.replicaReads()).isEqualTo(before.replicaReads() + 1);
            assertThat(after.primaryReads()).isEqualTo(before.primaryReads());
        }
    }

    private record Outcome(int cycles, int stale, long replicaReads) {
    }

    /**
     * Write-then-read cycles: each writes a key of the "active" shard and reads it back, and reads a key of the other
     * shard that the session wrote in an earlier phase; the active shard flips every {@link #PHASE}, so reads of the
     * idle shard move to its replica once it has replayed the session's writes there.
     */
    private Outcome writeThenReadCycles(Session writer, Function<Session, Session> reader) throws Exception {
        Random random = new Random(7);
        Map<String, Long> ledger = new HashMap<>();
        String[] shards = {"shard-0", "shard-1"};
        for (String shard : shards) {
            for (String k : keysByShard.get(shard).subList(0, 30)) {
                long v = random.nextInt(1_000_000) + 1;
                writer.write(k, kv.put(k, v));
                ledger.put(k, v);
            }
        }
        long replicaReadsBefore = router.metrics().replicaReads() + otherRouter.metrics().replicaReads();
        int cycles = 0;
        int stale = 0;
        int phases = 0;
        int active = 0;
        long phaseStart = System.nanoTime();
        long value = 1_000_000;
        while (cycles < MIN_CYCLES || phases < 4) {
            if (System.nanoTime() - phaseStart > PHASE.toNanos()) {
                active ^= 1;
                phases++;
                phaseStart = System.nanoTime();
            }
            List<String> hot = keysByShard.get(shards[active]).subList(0, 30);
            List<String> idle = keysByShard.get(shards[active ^ 1]).subList(0, 30);
            String w = hot.get(random.nextInt(hot.size()));
            writer.write(w, kv.put(w, ++value));
            ledger.put(w, value);
            if (reader.apply(writer).read(w, Consistency.SESSION, kv.get(w)).longValue() != value) {
                stale++;
            }
            String r = idle.get(random.nextInt(idle.size()));
            if (reader.apply(writer).read(r, Consistency.SESSION, kv.get(r)).longValue() != ledger.get(r)) {
                stale++;
            }
            cycles++;
        }
        long replicaReads = router.metrics().replicaReads() + otherRouter.metrics().replicaReads()
                - replicaReadsBefore;
        return new Outcome(cycles, stale, replicaReads);
    }

    static void awaitReplicasCaughtUp(ShardRouter router) {
        await().atMost(Duration.ofSeconds(20)).until(() -> router.metrics().servers().stream()
                .filter(s -> s.role() == Role.REPLICA).allMatch(s -> s.healthy() && s.lagBytes() == 0));
    }
}
