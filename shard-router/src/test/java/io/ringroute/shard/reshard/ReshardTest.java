package io.ringroute.shard.reshard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.KeyHash;
import io.ringroute.ring.Node;
import io.ringroute.ring.RebalancePlan;
import io.ringroute.shard.Consistency;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.ShardWork;
import io.ringroute.shard.catalog.CatalogSnapshot;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ServerSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Online resharding on real embedded shards (each a primary and a streaming standby) with a catalog server. The
 * tests run in order on one cluster, each starting from the topology the previous one left: 2 shards, +1, -1, +1,
 * -1 killed midway and resumed, +1 with a reader holding a transaction, -1 under a rows-per-second limit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReshardTest {

    private static final int PRELOADED = 10_000;
    /** A test_decoding slot that shows which transactions carry the resharder's invalidation marker. */
    private static final String MARKS = "reshard_marks";
    /** Writes each writer must acknowledge in each phase of a resharding under load. */
    private static final int WRITES_PER_PHASE = 5;
    private static final String A = "shard-a";
    private static final String B = "shard-b";
    private static final String C = "shard-c";

    private EmbeddedShardCluster cluster;
    private ShardTopology all;
    private CatalogSpec catalog;
    private ShardRouter router1;
    private ShardRouter router2;
    private final List<LedgerWriter> writers = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        // A generous connect timeout: at load averages of 25 to 50 on two cores a connection took over 2 s.
        cluster = EmbeddedShardCluster.builder().shardNames(A, B, C).replicasPerShard(1).vnodesPerShard(64)
                .connectionTimeout(Duration.ofSeconds(10)).logicalDecoding(true).start();
        all = cluster.topology();
        EmbeddedServer catalogServer = cluster.startStandalone("catalog");
        catalog = new CatalogSpec(catalogServer.spec(), "rr_catalog", Duration.ofMillis(200));
        Accounts.create(cluster, catalog, all.withoutShard(C));
        router1 = ShardRouter.builder().topology(all).catalog(catalog).build();
        // the second router takes write leases, which every cutover has it release (WriteFence, "Write leases"):
        // its writers check that nothing of theirs is lost or misplaced meanwhile
        router2 = ShardRouter.builder().topology(all).catalog(catalog.withWriteLeases(true)).build();
        // Straight to each owner, as a bulk load would: the router's write path is what the tests exercise, and
        // 10,000 routed writes through small pools timed out in this setup on a saturated machine.
        for (String shard : List.of(A, B)) {
            try (Connection c = cluster.shard(shard).primary().connect(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO accounts (k, v, ring_token) VALUES (?, ?, ?)")) {
                for (int i = 0; i < PRELOADED; i++) {
                    String key = "acct-" + i;
                    if (router1.shardOf(key).equals(shard)) {
                        ps.setString(1, key);
                        ps.setLong(2, i);
                        ps.setLong(3, KeyHash.token(key));
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
        }
    }

    @AfterAll
    void stop() {
        router1.close();
        router2.close();
        cluster.close();
    }

    /**
     * A run releases the resharder lock when it closes its catalog. Closing a connection only sends the server a
     * Terminate message; the server drops the session's locks once its backend has exited, a moment later, so a
     * run started right after the last one returned used to be refused as "another resharder is running". The lock
     * must be free the moment the catalog that took it is closed.
     */
    @Test
    @Order(0)
    void theResharderLockIsFreeTheMomentTheCatalogThatTookItIsClosed() throws Exception {
        try (Connection c = catalogConnection(); PreparedStatement held = c.prepareStatement(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")) {
            for (int attempt = 0; attempt < 20; attempt++) {
                try (TopologyCatalog first = TopologyCatalog.connect(catalog)) {
                    assertThat(first.tryLockResharder()).as("attempt %d takes the lock", attempt).isTrue();
                }
                try (ResultSet rs = held.executeQuery()) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("advisory locks held after attempt %d", attempt).isZero();
                }
            }
        }
    }

    @Test
    @Order(1)
    void addingAShardMovesExactlyTheChangedRangesInMarkedTransactionsAndNoReadUsesTheLaggingNewStandby()
            throws Exception {
        Map<String, Double> before = weights(A, B);
        Map<String, Double> after = weights(A, B, C);
        RebalancePlan plan = RebalancePlan.between(ring(before), ring(after));
        long expected = 0;
        for (int i = 0; i < PRELOADED; i++) {
            if (plan.moveAt(KeyHash.token("acct-" + i)).isPresent()) {
                expected++;
            }
        }
        ReshardPlan dryRun = resharder().plan(after);
        assertThat(dryRun.rowsToMove()).isEqualTo(expected);
        assertThat(dryRun.totalRows()).isEqualTo(PRELOADED);

        String moved = null;
        for (int i = 0; moved == null; i++) {
            if (plan.moveAt(KeyHash.token("acct-" + i)).isPresent()) {
                moved = "acct-" + i;
            }
        }
        for (String shard : List.of(A, B, C)) {
            decode(shard, "SELECT pg_create_logical_replication_slot('" + MARKS + "', 'test_decoding')");
        }
        EmbeddedServer newOwnersStandby = cluster.shard(C).replica(0);
        newOwnersStandby.pauseReplay(); // it will lack every row the copy brings
        ReshardResult result;
        try {
            result = resharder().run(after);
            awaitEpoch(result.epoch());

            // Below the cutover floor the standby serves no read at all: an EVENTUAL one that filled a cache from
            // it would keep "no such row", since the copies are not invalidated.
            assertThat(router1.serverFor(moved, Consistency.EVENTUAL, null)).isEqualTo(C + "/primary");
            assertThat(router1.read(moved, Consistency.EVENTUAL, valueOf(moved)))
                    .isEqualTo(Long.parseLong(moved.substring(5)));
        } finally {
            newOwnersStandby.resumeReplay();
        }
        String key = moved;
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> router1.serverFor(key, Consistency.EVENTUAL, null), (C + "/replica0")::equals);
        for (String shard : List.of(A, B, C)) {
            assertEveryAccountsWriteIsMarked(shard, shard.equals(C) ? "copies" : "clean-ups");
        }

        assertThat(result.rowsCopied()).as("rows moved = rows in ranges that changed owner").isEqualTo(expected);
        assertThat(result.rowsCaughtUp()).isZero();
        assertThat(result.rowsDeleted()).isEqualTo(expected);
        double movedShare = (double) expected / PRELOADED;
        // sampling error of 10k keys (sd ~0.005) around the ring's exact share; the share itself is 1/3 +- 0.05
        // with 64 vnodes per shard (it is deterministic for these shard names)
        assertThat(movedShare).isCloseTo(plan.movedFraction(), org.assertj.core.data.Offset.offset(0.02));
        assertThat(plan.movedFraction()).isCloseTo(1.0 / 3, org.assertj.core.data.Offset.offset(0.05));
        assertPlacement(after, Map.of(), true);
        awaitEpoch(result.epoch());
    }

    @Test
    @Order(2)
    void removingAShardUnderLoadDrainsAllItsRowsToTheSurvivors() throws Exception {
        Map<String, Double> after = weights(A, C);
        runUnderLoad(after, midway -> resharder(midway).run(after));
        assertPlacement(after, ledgers(), true);
        assertThat(rowCount(B)).as("the removed shard is empty").isZero();
    }

    @Test
    @Order(3)
    void addingAShardUnderLoadFromTwoRoutersKeepsEveryWritersLedger() throws Exception {
        Map<String, Double> after = weights(A, B, C);
        runUnderLoad(after, midway -> resharder(midway).run(after));
        assertPlacement(after, ledgers(), true);
    }

    @Test
    @Order(4)
    void aReshardingKilledMidwayResumesAndCompletesWithTheSameGuarantees() throws Exception {
        Map<String, Double> after = weights(A, C);
        runUnderLoad(after, midway -> {
            ExecutorService executor = Executors.newSingleThreadExecutor();
            AtomicBoolean killed = new AtomicBoolean();
            Resharder first = Resharder.builder().catalog(catalog).shards(all).batchSize(200)
                    .cleanupGrace(Duration.ofMillis(500)).listener(p -> {
                        if (p.rangesDone() >= p.rangesTotal() / 3 && killed.compareAndSet(false, true)) {
                            executor.shutdownNow();
                        }
                    }).build();
            Future<ReshardResult> run = executor.submit(() -> first.run(after));
            assertThatThrownBy(run::get).hasCauseInstanceOf(InterruptedException.class);
            first.close();
            assertThat(resharder().currentMembers()).as("not finished yet").isEqualTo(weights(A, B, C));
            return resharder(midway).run(after);
        });
        assertPlacement(after, ledgers(), true);
        assertThat(rowCount(B)).isZero();
    }

    @Test
    @Order(5)
    void badInputIsRefusedWithAClearErrorAndNothingMoves() throws Exception {
        Map<String, Double> current = resharder().currentMembers();
        assertThatThrownBy(() -> resharder().run(current)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("equals the current one");
        assertThatThrownBy(() -> resharder().run(Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the last shard cannot be removed");
        assertThatThrownBy(() -> resharder().run(weights(A, C, "shard-x"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shard 'shard-x' of the target is not defined");

        CatalogSpec unreachable = new CatalogSpec(ServerSpec.builder("jdbc:postgresql://localhost:1/none")
                .connectionTimeout(Duration.ofMillis(500)).build(), "rr_catalog", Duration.ofSeconds(1));
        assertThatThrownBy(() -> Resharder.builder().catalog(unreachable).shards(all).build().run(weights(A, B, C)))
                .isInstanceOf(SQLException.class).hasMessageContaining("topology catalog at jdbc:postgresql://localhost:1/none is unreachable");

        try (Connection c = cluster.shard(A).primary().connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS untokened (k text PRIMARY KEY)");
        }
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            cat.registerTable(ShardedTable.of("untokened", "k", "k"));
        }
        try {
            Map<String, Long> rowsBefore = rowsPerShard();
            assertThatThrownBy(() -> resharder().run(weights(A, B, C))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("table untokened has no column");
            assertThat(rowsPerShard()).isEqualTo(rowsBefore);
            assertThat(resharder().currentMembers()).isEqualTo(current);
            try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
                assertThat(cat.snapshot().target()).as("nothing recorded").isEmpty();
            }
        } finally {
            try (TopologyCatalog cat = TopologyCatalog.connect(catalog); Connection c = catalogConnection();
                 Statement st = c.createStatement()) {
                st.execute("DELETE FROM rr_catalog.sharded_tables WHERE name = 'untokened'");
            }
        }
    }

    @Test
    @Order(6)
    void theCliPrintsStatusAndADryRunAndNamesBadInput() throws Exception {
        java.nio.file.Path config = java.nio.file.Files.createTempFile("reshard", ".properties");
        StringBuilder props = new StringBuilder("vnodesPerShard=64\n");
        for (EmbeddedShard s : cluster.shards()) {
            props.append("shards.").append(s.name()).append(".primary.url=").append(s.primary().jdbcUrl()).append('\n');
        }
        props.append("catalog.url=").append(catalog.server().url()).append("\ncatalog.schema=rr_catalog\n");
        java.nio.file.Files.writeString(config, props);
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();

        int status = ReshardCommand.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true),
                "status", "--config", config.toString());
        int plan = ReshardCommand.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true),
                "plan", "--config", config.toString(), "--add", B);
        int bad = ReshardCommand.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true),
                "run", "--config", config.toString(), "--remove", A, "--remove", C);

        assertThat(status).isZero();
        assertThat(plan).isZero();
        assertThat(out.toString()).contains("no resharding in progress").contains("shard-a -> shard-b")
                .contains("rows move");
        int negative = ReshardCommand.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true),
                "run", "--config", config.toString(), "--add", B, "--max-rows-per-second", "-1");
        assertThat(bad).isEqualTo(1);
        assertThat(err.toString()).contains("the last shard cannot be removed");
        assertThat(negative).isEqualTo(1);
        assertThat(err.toString()).contains("--max-rows-per-second must be >= 0 (0: unlimited), was -1");
        assertThat(resharder().currentMembers()).as("the dry run changed nothing").isEqualTo(weights(A, C));
        java.nio.file.Files.delete(config);
    }

    @Test
    @Order(7)
    void aReaderKeepingATransactionOpenOnEveryShardDoesNotHoldUpAResharding() throws Exception {
        Map<String, Double> after = weights(A, B, C);
        List<Connection> readers = new ArrayList<>();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            for (EmbeddedShard s : cluster.shards()) {
                Connection c = s.primary().connect();
                readers.add(c);
                c.setAutoCommit(false);
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM accounts")) {
                    rs.next();
                }
            }
            // the capture triggers are created and disabled, never dropped: DROP TRIGGER would wait for these
            // readers' locks and queue every later read of the table behind it
            Future<ReshardResult> run = executor.submit(() -> resharder().run(after));
            assertThat(run.get(60, TimeUnit.SECONDS).ranges()).isPositive();
        } finally {
            executor.shutdownNow();
            for (Connection c : readers) {
                c.rollback();
                c.close();
            }
        }
        assertPlacement(after, ledgers(), true);
    }

    @Test
    @Order(8)
    void aRowsPerSecondLimitPacesEveryRowCopiedAndDeletedInSegmentsOfATenthOfASecond() throws Exception {
        Map<String, Double> after = weights(A, C);
        RowRateTest.FakeClock clock = new RowRateTest.FakeClock();
        ReshardResult result = Resharder.builder().catalog(catalog).shards(all).cleanupGrace(Duration.ofMillis(500))
                .maxRowsPerSecond(1_000).clock(clock).build().run(after);

        long rows = result.rowsCopied() + result.rowsCaughtUp() + result.rowsDeleted();
        assertThat(result.rowsCopied()).isPositive();
        // no writer runs, so nothing is re-copied under a fence (which is never paced): every row was paced
        assertThat(clock.sleeps.stream().mapToLong(Long::longValue).sum()).as("1 ms of the clock per row")
                .isEqualTo(rows * 1_000_000L);
        assertThat(clock.sleeps).as("no piece of work wrote more than 100 rows (0.1 s at 1000 rows/s)")
                .allSatisfy(nanos -> assertThat(nanos).isLessThanOrEqualTo(100_000_000L));
        assertThat(clock.sleeps.size()).isGreaterThanOrEqualTo((int) (rows / 100));
        assertPlacement(after, ledgers(), true);
        assertThat(rowCount(B)).isZero();
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Reshard {
        /** Runs the resharding; {@code midway} is the listener of the run that completes it. */
        ReshardResult run(ReshardListener midway) throws Exception;
    }

    /**
     * Runs a resharding to {@code target} while two writer threads on each router insert, update and delete, and
     * checks that every writer makes progress before it, between its cutovers (the listener of the completing run
     * waits, after its first hand-over, for every writer to write again: the fence is not held then) and after it,
     * and that the catalog ends at the target with one epoch per range handed over plus one for the completion.
     */
    private void runUnderLoad(Map<String, Double> target, Reshard reshard) throws Exception {
        long epochBefore;
        int ranges;
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            epochBefore = cat.epoch();
            ranges = resharder().plan(target).moves().size();
        }
        AtomicBoolean running = new AtomicBoolean(true);
        List<LedgerWriter> round = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            LedgerWriter w = writers.size() > i ? writers.get(i) : new LedgerWriter(i < 2 ? router1 : router2,
                    "w" + i, running, i);
            LedgerWriter fresh = new LedgerWriter(i < 2 ? router1 : router2, "w" + i, running, writers.size() + i);
            fresh.ledger.putAll(w.ledger);
            fresh.deleted.addAll(w.deleted);
            round.add(fresh);
            Thread t = new Thread(fresh, "ledger-writer-" + i);
            threads.add(t);
            t.start();
        }
        ReshardResult result;
        AtomicBoolean writersProgressedMidway = new AtomicBoolean();
        try {
            awaitEveryWriterWritesAgain(round, "before the resharding");
            result = reshard.run(p -> {
                if (p.phase() == ReshardProgress.Phase.MOVING && p.rangesDone() > 0
                        && writersProgressedMidway.compareAndSet(false, true)) {
                    awaitEveryWriterWritesAgain(round, "after the first cutover, " + p.rangesDone() + " of "
                            + p.rangesTotal() + " ranges handed over");
                }
            });
            awaitEpoch(result.epoch());
            awaitEveryWriterWritesAgain(round, "after the resharding");
        } finally {
            running.set(false);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            // Even when this run failed: the next test must check the ledgers of what was written, not older ones.
            writers.clear();
            writers.addAll(round);
        }
        for (LedgerWriter w : round) {
            assertThat(w.failures).as("writer failures").isEmpty();
        }
        assertThat(writersProgressedMidway).as("the completing run handed a range over").isTrue();
        assertThat(result.epoch()).as("one epoch per range handed over, one for the completion")
                .isEqualTo(epochBefore + ranges + 1);
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            CatalogSnapshot snapshot = cat.snapshot();
            assertThat(snapshot.epoch()).isEqualTo(result.epoch());
            assertThat(snapshot.members()).isEqualTo(target);
            assertThat(snapshot.target()).as("no resharding left recorded").isEmpty();
            assertThat(snapshot.moves()).isEmpty();
        }
    }

    /**
     * Waits until every writer has acknowledged a few more writes than it had when this was called; stops at the
     * first writer failure, which the caller reports.
     */
    private static void awaitEveryWriterWritesAgain(List<LedgerWriter> writers, String when) {
        int[] before = writers.stream().mapToInt(LedgerWriter::writes).toArray();
        org.awaitility.Awaitility.await("every writer writes " + when).atMost(Duration.ofSeconds(60))
                .failFast("a writer failed " + when, () -> writers.forEach(w -> assertThat(w.failuresSoFar())
                        .as("writer failures").isEmpty()))
                .until(() -> java.util.stream.IntStream.range(0, before.length)
                        .allMatch(i -> writers.get(i).writes() >= before[i] + WRITES_PER_PHASE));
    }

    private Map<String, Long> ledgers() {
        Map<String, Long> out = new HashMap<>();
        for (LedgerWriter w : writers) {
            out.putAll(w.ledger);
            w.deleted.forEach(k -> out.put(k, null));
        }
        return out;
    }

    /**
     * Every preloaded key and every key a ledger says exists is stored exactly once, on the owner the target ring
     * names, with its latest value; no key a ledger deleted exists anywhere.
     */
    private void assertPlacement(Map<String, Double> target, Map<String, Long> ledger, boolean checkPreloaded)
            throws SQLException {
        HashRing ring = ring(target);
        Map<String, List<String>> where = new HashMap<>();
        Map<String, Long> values = new HashMap<>();
        for (EmbeddedShard s : cluster.shards()) {
            try (Connection c = s.primary().connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT k, v, ring_token FROM accounts")) {
                while (rs.next()) {
                    where.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(s.name());
                    values.put(rs.getString(1), rs.getLong(2));
                    assertThat(rs.getLong(3)).isEqualTo(KeyHash.token(rs.getString(1)));
                }
            }
        }
        if (checkPreloaded) {
            for (int i = 0; i < PRELOADED; i++) {
                String k = "acct-" + i;
                assertThat(where.get(k)).as("copies of %s", k).containsExactly(ring.primary(k).id());
                assertThat(values.get(k)).isEqualTo(i);
            }
        }
        for (Map.Entry<String, Long> e : ledger.entrySet()) {
            String k = e.getKey();
            if (e.getValue() == null) {
                assertThat(where.get(k)).as("deleted %s", k).isNull();
            } else {
                assertThat(where.get(k)).as("copies of %s", k).containsExactly(ring.primary(k).id());
                assertThat(values.get(k)).as("value of %s", k).isEqualTo(e.getValue());
            }
        }
    }

    private static ShardWork<Long> valueOf(String key) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT v FROM accounts WHERE k = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : -1L;
                }
            }
        };
    }

    /**
     * Every transaction that changed {@code accounts} on the shard (the resharder's, nobody else writes in this
     * test) opens with the invalidation marker, so a WAL cache invalidator skips it; drops the slot.
     */
    private void assertEveryAccountsWriteIsMarked(String shard, String what) throws SQLException {
        List<String> lines = decode(shard, "SELECT data FROM pg_logical_slot_get_changes('" + MARKS
                + "', NULL, NULL)");
        decode(shard, "SELECT pg_drop_replication_slot('" + MARKS + "')");
        int writes = 0;
        boolean marked = false;
        boolean changed = false;
        for (String line : lines) {
            if (line.startsWith("BEGIN")) {
                marked = false;
                changed = false;
            } else if (line.startsWith("message: transactional: 1 prefix: " + Resharder.INVALIDATION_MARKER + ",")) {
                marked = !changed;
            } else if (line.startsWith("table public.accounts:")) {
                assertThat(marked).as("%s: a change to accounts before the marker: %s", shard, line).isTrue();
                changed = true;
            } else if (line.startsWith("COMMIT") && changed) {
                writes++;
            }
        }
        assertThat(writes).as("%s: marked transactions with the %s", shard, what).isPositive();
    }

    /** Runs one query on the shard's primary; returns its first column's rows. */
    private List<String> decode(String shard, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = cluster.shard(shard).primary().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private void awaitEpoch(long epoch) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> router1.epoch() >= epoch && router2.epoch() >= epoch);
    }

    private Resharder resharder() {
        return resharder(p -> { });
    }

    private Resharder resharder(ReshardListener listener) {
        return Resharder.builder().catalog(catalog).shards(all).batchSize(500).cleanupGrace(Duration.ofMillis(500))
                .listener(listener).build();
    }

    private long rowCount(String shard) throws SQLException {
        return rowsPerShard().get(shard);
    }

    private Map<String, Long> rowsPerShard() throws SQLException {
        Map<String, Long> out = new TreeMap<>();
        for (EmbeddedShard s : cluster.shards()) {
            try (Connection c = s.primary().connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM accounts")) {
                rs.next();
                out.put(s.name(), rs.getLong(1));
            }
        }
        return out;
    }

    private Connection catalogConnection() throws SQLException {
        return java.sql.DriverManager.getConnection(catalog.server().url(), "postgres", "");
    }

    private static Map<String, Double> weights(String... shards) {
        Map<String, Double> out = new TreeMap<>(Node.ID_ORDER);
        for (String s : shards) {
            out.put(s, 1.0);
        }
        return out;
    }

    private static HashRing ring(Map<String, Double> weights) {
        return HashRing.builder().vnodesPerNode(64)
                .nodes(weights.entrySet().stream().map(e -> Node.of(e.getKey(), e.getValue())).toList()).build();
    }
}
