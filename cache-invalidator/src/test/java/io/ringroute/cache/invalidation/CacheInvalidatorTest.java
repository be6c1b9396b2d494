package io.ringroute.cache.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.CacheTestSupport;
import io.ringroute.cache.CacheTestSupport.Partition;
import io.ringroute.cache.ClockVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The invalidator against a real PostgreSQL 17 primary (logical decoding) and real Hazelcast cache nodes. */
class CacheInvalidatorTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final AtomicInteger SEQ = new AtomicInteger();
    /** users(id) -> "user:<id>"; every other table caches nothing. */
    private static final RowKeys USER_KEYS = (table, row) ->
            table.equals("public.users") ? Set.of("user:" + row.get("id")) : Set.of();

    private static final String MARKER = "test.unchanged";
    private static final byte[] OLD = "old".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEW = "new".getBytes(StandardCharsets.UTF_8);

    private static LogicalPostgres pg;
    private static final List<CacheNode> NODES = new ArrayList<>();

    @BeforeAll
    static void start() {
        pg = LogicalPostgres.start();
        pg.execute("CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL)",
                "CREATE TABLE items (id TEXT PRIMARY KEY, version BIGINT NOT NULL)",
                "CREATE PUBLICATION ringroute_invalidation FOR TABLE users, items");
        for (int i = 0; i < 3; i++) {
            NODES.add(CacheTestSupport.startNode("inv"));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        CacheTestSupport.closeAll(NODES);
        pg.close();
    }

    private static String slot() {
        return "slot_" + SEQ.incrementAndGet();
    }

    private static PurgeList purgeList(DataSource ds) {
        return PurgeList.inPostgres(ds, "purge_" + SEQ.incrementAndGet());
    }

    private static CacheInvalidator.Builder invalidator(CacheCluster<?> cache, PurgeList list, String slot) {
        return CacheInvalidator.builder().primary(pg.url(), "postgres", null).slot(slot).keys(USER_KEYS)
                .cache(cache).purgeList(list).retry(Duration.ofMillis(100))
                .callTimeout(Duration.ofSeconds(5)); // a loaded 2-core machine; lost connections fail at once
    }

    /** Inserts a user row and caches its key on every node (more than its replicas: every node must lose it). */
    private static String cachedUser(String id) {
        pg.commit("INSERT INTO users VALUES ('" + id + "', 'old')");
        String key = "user:" + id;
        NODES.forEach(n -> CacheTestSupport.store(n, key, "old"));
        return key;
    }

    /** An active invalidator on a new slot that skips {@link #MARKER}ed transactions. */
    private static CacheInvalidator markedSkipping(CacheCluster<?> cache, String slot) {
        CacheInvalidator inv = invalidator(cache, purgeList(pg.dataSource("postgres")), slot).skipMarked(MARKER)
                .start();
        await().atMost(BOUND).until(inv::isActive);
        awaitDeliveredUpTo(slot, pg.commit("SELECT 1"));
        return inv;
    }

    /** New users whose inserts were delivered, each then cached on every node. */
    private static List<String> cachedUsersAfterTheirInserts(String slot, int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(cachedUser("m" + SEQ.incrementAndGet()));
        }
        awaitDeliveredUpTo(slot, pg.commit("SELECT 1"));
        keys.forEach(k -> NODES.forEach(node -> CacheTestSupport.store(node, k, "old")));
        return keys;
    }

    private static boolean onNoNode(String key) {
        return NODES.stream().noneMatch(n -> CacheTestSupport.holds(n, key));
    }

    private static void awaitDeliveredUpTo(String slot, long lsn) {
        await().atMost(BOUND).until(() -> pg.confirmed(slot) >= lsn);
    }

    @Test
    void committedUpdateAndDeleteDeleteTheMappedKeyOnEveryNode() {
        String slot = slot();
        try (CacheCluster<byte[]> cache = CacheTestSupport.cluster(NODES).replicationFactor(2).build();
                CacheInvalidator inv = invalidator(cache, purgeList(pg.dataSource("postgres")), slot).start()) {
            await().atMost(BOUND).until(inv::isActive);
            awaitDeliveredUpTo(slot, pg.commit("SELECT 1")); // the slot exists and follows from here
            String updated = cachedUser("u" + SEQ.incrementAndGet());
            String deleted = cachedUser("d" + SEQ.incrementAndGet());
            String untouched = cachedUser("k" + SEQ.incrementAndGet());
            awaitDeliveredUpTo(slot, pg.commit("SELECT 1"));
            for (String k : List.of(updated, deleted, untouched)) { // the inserts' own deletes are done: cache again
                NODES.forEach(n -> CacheTestSupport.store(n, k, "old"));
            }

            pg.commit("UPDATE users SET name = 'new' WHERE id = '" + updated.substring(5) + "'");
            long afterDelete = pg.commit("DELETE FROM users WHERE id = '" + deleted.substring(5) + "'");

            await().atMost(BOUND).until(() -> onNoNode(updated) && onNoNode(deleted));
            awaitDeliveredUpTo(slot, afterDelete);
            assertThat(NODES).allMatch(n -> CacheTestSupport.holds(n, untouched));
            assertThat(inv.stats().failedDeliveries()).isZero();
        }
    }

    @Test
    void anInvalidatorStartedBeforeItsTablesExistFollowsThemOnceTheyAreCreated() {
        String slot = slot();
        String table = "late_" + SEQ.incrementAndGet();
        RowKeys keys = (t, row) -> List.of(t + ":" + row.get("id"));
        try (CacheCluster<byte[]> cache = CacheTestSupport.cluster(NODES).replicationFactor(2).build();
                CacheInvalidator inv = invalidator(cache, purgeList(pg.dataSource("postgres")), slot).keys(keys)
                        .publication("pub_" + table).tables(table).start()) {
            // the publication cannot be created yet, so neither is the slot: the invalidator keeps trying
            await().atMost(BOUND).until(() -> inv.stats().sessionFailures() >= 2);
            assertThat(inv.isActive()).isFalse();
            assertThat(pg.confirmed(slot)).isEqualTo(-1);

            pg.execute("CREATE TABLE " + table + " (id TEXT PRIMARY KEY, v TEXT NOT NULL)");
            await().atMost(BOUND).until(inv::isActive);
            pg.commit("INSERT INTO " + table + " VALUES ('a', 'old')");
            awaitDeliveredUpTo(slot, pg.commit("SELECT 1"));
            String key = "public." + table + ":a";   // RowKeys see schema-qualified names
            NODES.forEach(n -> CacheTestSupport.store(n, key, "old"));

            long update = pg.commit("UPDATE " + table + " SET v = 'new' WHERE id = 'a'");
            await().atMost(BOUND).until(() -> onNoNode(key));
            awaitDeliveredUpTo(slot, update);
        }
    }

    @Test
    void aTransactionCarryingTheMarkerDeletesNothingYetTheSlotMovesPastIt() {
        String slot = slot();
        try (CacheCluster<byte[]> cache = CacheTestSupport.cluster(NODES).replicationFactor(2).build();
                CacheInvalidator inv = markedSkipping(cache, slot)) {
            List<String> keys = cachedUsersAfterTheirInserts(slot, 3);
            String updated = keys.get(0);
            String deleted = keys.get(1);
            String later = keys.get(2);

            long marked = pg.commit("BEGIN; SELECT pg_logical_emit_message(true, '" + MARKER + "', '');"
                    + " UPDATE users SET name = 'new' WHERE id = '" + updated.substring(5) + "';"
                    + " DELETE FROM users WHERE id = '" + deleted.substring(5) + "'; COMMIT");
            awaitDeliveredUpTo(slot, marked);
            long after = pg.commit("UPDATE users SET name = 'new' WHERE id = '" + later.substring(5) + "'");

            await().atMost(BOUND).until(() -> onNoNode(later));
            awaitDeliveredUpTo(slot, after);
            assertThat(List.of(updated, deleted))
                    .allMatch(k -> NODES.stream().allMatch(n -> CacheTestSupport.holds(n, k)));
            assertThat(inv.stats().markedTransactions()).isEqualTo(1);
        }
    }

    @Test
    void aMessageWithAnotherPrefixOrOutsideTheTransactionSkipsNothing() {
        String slot = slot();
        try (CacheCluster<byte[]> cache = CacheTestSupport.cluster(NODES).replicationFactor(2).build();
                CacheInvalidator inv = markedSkipping(cache, slot)) {
            List<String> keys = cachedUsersAfterTheirInserts(slot, 2);
            String other = keys.get(0);
            String outside = keys.get(1);

            pg.commit("BEGIN; SELECT pg_logical_emit_message(true, '" + MARKER + ".not', '');"
                    + " UPDATE users SET name = 'new' WHERE id = '" + other.substring(5) + "'; COMMIT");
            pg.commit("SELECT pg_logical_emit_message(false, '" + MARKER + "', '')");
            long last = pg.commit("UPDATE users SET name = 'new' WHERE id = '" + outside.substring(5) + "'");

            await().atMost(BOUND).until(() -> onNoNode(other) && onNoNode(outside));
            awaitDeliveredUpTo(slot, last);
            assertThat(inv.stats().markedTransactions()).isZero();
        }
    }

    @Test
    void anInvalidatedKeyKeepsOutWritesVersionedBeforeTheDelivery() {
        String slot = slot();
        try (CacheCluster<byte[]> cache = CacheTestSupport.cluster(NODES).replicationFactor(2).build();
                CacheInvalidator inv = invalidator(cache, purgeList(pg.dataSource("postgres")), slot).start()) {
            await().atMost(BOUND).until(inv::isActive);
            String id = "v" + SEQ.incrementAndGet();
            String key = "user:" + id;
            awaitDeliveredUpTo(slot, pg.commit("INSERT INTO users VALUES ('" + id + "', 'old')"));
            assertThat(cache.get(key)).as("the insert's invalidation").isNull(); // read: later writes are newer
            cache.put(key, OLD);
            long cachedVersion = cache.getEntry(key).version();
            long loadStarted = ClockVersion.at(System.currentTimeMillis()); // a reader reads the old row now

            awaitDeliveredUpTo(slot, pg.commit("UPDATE users SET name = 'new' WHERE id = '" + id + "'"));
            cache.put(key, OLD, cachedVersion, null); // a retried write of the cached value, arriving late
            cache.put(key, OLD, loadStarted, null);   // the reader's load, cached after the delivery

            assertThat(onNoNode(key)).isTrue();
            assertThat(cache.get(key)).isNull();
            cache.put(key, NEW); // a load after the delivery (this process read the tombstone) is cached
            assertThat(cache.get(key)).isEqualTo(NEW);
        }
    }

    /** items(id, version) -> "item:<id>", cached with the row's own version. */
    private static final RowKeys ITEM_KEYS = new RowKeys() {
        @Override
        public Collection<String> keys(String table, Map<String, String> row) {
            return table.equals("public.items") ? Set.of("item:" + row.get("id")) : Set.of();
        }

        @Override
        public long version(String table, Map<String, String> row, String key) {
            String v = row.get("version"); // absent from a delete's old image (the primary key only)
            return v == null ? Long.MIN_VALUE : Long.parseLong(v);
        }
    };

    @Test
    void aRowVersionedInvalidationKeepsTheCurrentRowCachedAndEveryOlderValueOut() {
        String slot = slot();
        try (CacheCluster<byte[]> cache = CacheTestSupport.cluster(NODES).replicationFactor(2).build();
                CacheInvalidator inv = invalidator(cache, purgeList(pg.dataSource("postgres")), slot)
                        .keys(ITEM_KEYS).tombstoneVersion(TombstoneVersion.HELD).start()) {
            await().atMost(BOUND).until(inv::isActive);
            String id = "r" + SEQ.incrementAndGet();
            String key = "item:" + id;
            awaitDeliveredUpTo(slot, pg.commit("INSERT INTO items VALUES ('" + id + "', 1)"));
            long update = pg.commit("UPDATE items SET version = 2 WHERE id = '" + id + "'");
            cache.put(key, NEW, 2, null); // the writer caches the row it wrote, before the invalidation arrives
            awaitDeliveredUpTo(slot, update);
            assertThat(cache.get(key)).as("the current row's value survives its own invalidation").isEqualTo(NEW);

            awaitDeliveredUpTo(slot, pg.commit("UPDATE items SET version = 3 WHERE id = '" + id + "'"));
            cache.put(key, OLD, 2, null); // a load that read version 2 before that change, cached after it
            assertThat(cache.get(key)).as("a value older than the row").isNull();
            cache.put(key, NEW, 3, null); // a reload of the current row is cached at once
            assertThat(cache.get(key)).isEqualTo(NEW);

            String never = "item:" + id + "-uncached"; // a key no node held when its row changed
            awaitDeliveredUpTo(slot, pg.commit("INSERT INTO items VALUES ('" + id + "-uncached', 1)"));
            awaitDeliveredUpTo(slot, pg.commit("UPDATE items SET version = 2 WHERE id = '" + id + "-uncached'"));
            cache.put(never, OLD, 1, null); // a stale load of version 1
            assertThat(cache.get(never)).as("a stale load onto nodes that held nothing").isNull();
        }
    }

    @Test
    void unreachableNodeIsMarkedForPurgeAndTheSlotWaitsWhileTheMarkCannotBeWritten() {
        String slot = slot();
        String schema = "purge_" + SEQ.incrementAndGet();
        pg.execute("CREATE ROLE purger LOGIN", "GRANT CREATE ON DATABASE postgres TO purger",
                "CREATE SCHEMA " + schema + " AUTHORIZATION purger");
        PurgeList list = PurgeList.inPostgres(pg.dataSource("purger"), schema);
        CacheNode behind = NODES.get(2);
        try (Partition partition = new Partition(behind)) {
            CacheCluster.Builder<byte[]> b = CacheTestSupport.cluster(List.of()).replicationFactor(2);
            NODES.subList(0, 2).forEach(n -> b.node(n.name(), n.address()));
            b.node(behind.name(), partition.address());
            try (CacheCluster<byte[]> cache = b.build();
                    CacheInvalidator inv = invalidator(cache, list, slot).start()) {
                await().atMost(BOUND).until(inv::isActive);
                assertThat(list.marks()).as("a new slot marks every node").hasSize(3);
                list.marks().forEach(m -> list.unmark(m.node(), m.generation())); // as if purged
                String key = cachedUser("p" + SEQ.incrementAndGet());
                awaitDeliveredUpTo(slot, pg.commit("SELECT 1"));
                NODES.forEach(n -> CacheTestSupport.store(n, key, "old"));

                partition.cut();
                pg.execute("ALTER ROLE purger NOLOGIN"); // the purge list's database refuses the invalidator
                long committed = pg.commit("UPDATE users SET name = 'new' WHERE id = '" + key.substring(5) + "'");

                // The slot may still pass WAL written before the update (the ALTER ROLE, the server's own running
                // transaction records) until the update arrives; from then on it must stand still below it.
                await().atMost(BOUND).until(() -> inv.stats().retries() >= 3);
                long waiting = pg.confirmed(slot);
                long retries = inv.stats().retries();
                await().atMost(BOUND).until(() -> inv.stats().retries() >= retries + 3);
                assertThat(pg.confirmed(slot)).as("slot position while undelivered").isEqualTo(waiting)
                        .isLessThan(committed);
                assertThat(CacheTestSupport.holds(NODES.get(0), key)).isFalse();
                assertThat(CacheTestSupport.holds(NODES.get(1), key)).isFalse();
                assertThat(CacheTestSupport.holds(behind, key)).as("the cut-off node kept it").isTrue();

                pg.execute("ALTER ROLE purger LOGIN");
                awaitDeliveredUpTo(slot, committed);
                assertThat(list.marks()).extracting(PurgeMark::node).containsExactly(behind.name());
                assertThat(CacheTestSupport.holds(behind, key)).isTrue();

                try (PurgeFollower follower = PurgeFollower.start(cache, list, Duration.ofMillis(50))) {
                    partition.restore();
                    await().atMost(BOUND).until(() -> !CacheTestSupport.holds(behind, key) && list.marks().isEmpty());
                    assertThat(follower.purges()).isPositive();
                }
            }
        } finally {
            pg.execute("ALTER ROLE purger LOGIN", "DROP SCHEMA " + schema + " CASCADE",
                    "REVOKE CREATE ON DATABASE postgres FROM purger", "DROP ROLE purger");
        }
    }

    @Test
    void aFollowerKeepsAMarkedNodeOutOfItsClientsReadsUntilTheClientEmptiedIt() {
        PurgeList list = purgeList(pg.dataSource("postgres"));
        CacheNode marked = NODES.get(0);
        String key = "user:m" + SEQ.incrementAndGet();
        try (CacheCluster<byte[]> cache = CacheTestSupport.cluster(NODES).replicationFactor(3).build()) {
            CacheTestSupport.store(marked, key, "old"); // the node missed the delete the others got
            list.mark(marked.name(), "missed invalidations");
            // this follower cannot empty the node itself (it presents another secret): the client must
            try (PurgeFollower follower = PurgeFollower.start(cache, list, Duration.ofMillis(50),
                    "not the nodes' secret, so no connection")) {
                await().atMost(BOUND).until(() -> !CacheTestSupport.holds(marked, key));
                assertThat(cache.get(key)).isNull();
                assertThat(list.marks()).as("only a follower that emptied the node unmarks it").hasSize(1);
                assertThat(follower.purges()).isZero();
            }
        }
    }

    @Test
    void restartedInvalidatorResumesFromTheSlotWithoutLosingChanges() {
        String slot = slot();
        PurgeList list = purgeList(pg.dataSource("postgres"));
        List<String> keys = new ArrayList<>();
        try (CacheCluster<byte[]> cache = CacheTestSupport.cluster(NODES).replicationFactor(2).build()) {
            try (CacheInvalidator first = invalidator(cache, list, slot).start()) {
                await().atMost(BOUND).until(first::isActive);
                for (int i = 0; i < 20; i++) {
                    keys.add(cachedUser("r" + SEQ.incrementAndGet()));
                }
                awaitDeliveredUpTo(slot, pg.commit("SELECT 1"));
            }
            long stoppedAt = pg.confirmed(slot);
            keys.forEach(k -> NODES.forEach(n -> CacheTestSupport.store(n, k, "old")));
            long last = 0;
            for (String k : keys) {
                last = pg.commit("UPDATE users SET name = 'new' WHERE id = '" + k.substring(5) + "'");
            }
            assertThat(pg.confirmed(slot)).as("nobody follows the slot").isEqualTo(stoppedAt);
            assertThat(keys).allMatch(k -> NODES.stream().allMatch(n -> CacheTestSupport.holds(n, k)));

            try (CacheInvalidator second = invalidator(cache, list, slot).start()) {
                await().atMost(BOUND).until(() -> keys.stream().allMatch(CacheInvalidatorTest::onNoNode));
                awaitDeliveredUpTo(slot, last);
                assertThat(second.stats().transactions()).isGreaterThanOrEqualTo(keys.size());
            }
        }
    }

    @Test
    void secondInvalidatorOfTheSameShardStaysIdleUntilTheFirstStops() {
        String slot = slot();
        PurgeList list = purgeList(pg.dataSource("postgres"));
        try (CacheCluster<byte[]> cache = CacheTestSupport.cluster(NODES).replicationFactor(2).build()) {
            CacheInvalidator first = invalidator(cache, list, slot).start();
            await().atMost(BOUND).until(first::isActive);
            try (CacheInvalidator second = invalidator(cache, list, slot).start()) {
                String one = cachedUser("a" + SEQ.incrementAndGet());
                awaitDeliveredUpTo(slot, pg.commit("SELECT 1"));
                NODES.forEach(n -> CacheTestSupport.store(n, one, "old"));
                pg.commit("UPDATE users SET name = 'new' WHERE id = '" + one.substring(5) + "'");
                await().atMost(BOUND).until(() -> onNoNode(one));
                assertThat(second.isActive()).isFalse();
                assertThat(second.stats().transactions()).isZero();

                first.close();
                await().atMost(BOUND).until(second::isActive);
                String two = cachedUser("b" + SEQ.incrementAndGet());
                awaitDeliveredUpTo(slot, pg.commit("SELECT 1"));
                NODES.forEach(n -> CacheTestSupport.store(n, two, "old"));
                pg.commit("UPDATE users SET name = 'new' WHERE id = '" + two.substring(5) + "'");
                await().atMost(BOUND).until(() -> onNoNode(two));
                assertThat(second.stats().transactions()).isPositive();
            } finally {
                first.close();
            }
        }
    }
}
