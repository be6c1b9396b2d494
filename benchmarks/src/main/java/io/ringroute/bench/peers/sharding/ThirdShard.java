package io.ringroute.bench.peers.sharding;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.KeyHash;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import io.ringroute.shard.reshard.ReshardPlan;
import io.ringroute.shard.reshard.ReshardProgress;
import io.ringroute.shard.reshard.ReshardResult;
import io.ringroute.shard.reshard.Resharder;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;

/**
 * Adding a third shard to two under each system, on the same {@code rows} preloaded keys and the same writers:
 * ShardingSphere-JDBC's {@code HASH_MOD} from 2 to 3 (offline: JDBC mode has no online migration, so writers stop,
 * the rows that change place are copied, the application restarts on the new sharding count) and ringroute's online
 * {@link Resharder} (writers keep writing through two routers). Holds what it measured for the report.
 */
final class ThirdShard {

    static final ShardedTable ACCOUNTS_RR = ShardedTable.of("accounts_rr", "k", "k");
    static final String ACCOUNTS_SS = "accounts_ss";
    static final Duration CLEANUP_GRACE = Duration.ofSeconds(2);

    private final EmbeddedShardCluster cluster;
    private final List<EmbeddedShard> shards;
    private final ShardTopology two;
    private final ShardTopology all;
    private final int rows;
    private final int writers;
    private final int baselineSeconds;
    private final long deadlineNanos;

    long hashModMovesOfPreloaded;
    long ringMovesOfPreloaded;
    HashModResharding.Moved ssMoved;
    long ssWritesStoppedNanos;
    long ssCloseNanos;
    long ssOpenNanos;
    long ssMisplacedAfter;
    Histogram ssWritesBefore;
    Histogram ssWritesAfter;
    long ssWriteErrors;
    ReshardPlan rrPlan;
    ReshardResult rrResult;
    double rrMovingSeconds;
    double rrWallSeconds;
    Histogram rrWritesBefore;
    Histogram rrWritesDuring;
    long rrWriteErrors;

    ThirdShard(EmbeddedShardCluster cluster, ShardTopology two, ShardTopology all, int rows, int writers,
               int baselineSeconds, long deadlineNanos) {
        this.cluster = cluster;
        this.shards = cluster.shards();
        this.two = two;
        this.all = all;
        this.rows = rows;
        this.writers = writers;
        this.baselineSeconds = baselineSeconds;
        this.deadlineNanos = deadlineNanos;
    }

    int rows() {
        return rows;
    }

    /** Rows {@code acct-0..rows-1} on the first two shards, placed by HASH_MOD (accounts_ss) and by the ring. */
    static void preloadAccounts(List<EmbeddedShard> shards, HashRing ring, int rows) throws Exception {
        StringBuilder[] ss = {new StringBuilder(), new StringBuilder()};
        StringBuilder[] rr = {new StringBuilder(), new StringBuilder()};
        for (int i = 0; i < rows; i++) {
            String k = "acct-" + i;
            String row = k + "\t" + i + "\t" + AccountRows.PAYLOAD;
            ss[HashMod.index(k, 2)].append(row).append('\n');
            rr[ShardingSphereComparison.SHARDS.indexOf(ring.primary(k).id())].append(row).append('\t')
                    .append(KeyHash.token(k)).append('\n');
        }
        for (int i = 0; i < 2; i++) {
            try (Connection c = shards.get(i).primary().connect(); Statement st = c.createStatement()) {
                AccountRows.copyIn(c, "COPY " + ACCOUNTS_SS + "_" + i + " (k, v, payload) FROM STDIN", ss[i]);
                AccountRows.copyIn(c, "COPY " + ACCOUNTS_RR.name() + " (k, v, payload, ring_token) FROM STDIN",
                        rr[i]);
                st.execute("ANALYZE " + ACCOUNTS_SS + "_" + i);
                st.execute("ANALYZE " + ACCOUNTS_RR.name());
            }
        }
    }

    /** Exactly, on the preloaded keys: how many change shard under HASH_MOD 2 -> 3 and under the ring 2 -> 3. */
    void countMoves() {
        HashRing before = two.ring();
        HashRing after = all.ring();
        for (int i = 0; i < rows; i++) {
            String k = "acct-" + i;
            if (HashMod.index(k, 2) != HashMod.index(k, 3)) {
                hashModMovesOfPreloaded++;
            }
            if (!before.primary(k).id().equals(after.primary(k).id())) {
                ringMovesOfPreloaded++;
            }
        }
    }

    /** Writers on 2 shards, writers stopped, rows moved, application restarted on 3 shards, writers again. */
    void shardingSphereOffline() throws Exception {
        System.err.println("ShardingSphere-JDBC: writers on HASH_MOD over 2 shards");
        long stopped;
        try (ShardingSphereSetup before = ShardingSphereSetup.open(shards.subList(0, 2), List.of(ACCOUNTS_SS))) {
            WriteLoad load = new WriteLoad("ss", writer(before.dataSource()), writers, rows, deadlineNanos);
            ssWritesBefore = measure(load);
            load.stop();
            ssWriteErrors += load.errors.sum();
            stopped = System.nanoTime();
        }
        ssCloseNanos = System.nanoTime() - stopped;
        System.err.println("ShardingSphere-JDBC: writers stopped, moving the rows HASH_MOD 3 places elsewhere");
        ssMoved = HashModResharding.move(shards, 2, ACCOUNTS_SS);
        long opening = System.nanoTime();
        try (ShardingSphereSetup after = ShardingSphereSetup.open(shards, List.of(ACCOUNTS_SS))) {
            ssOpenNanos = System.nanoTime() - opening;
            ssWritesStoppedNanos = System.nanoTime() - stopped;
            System.err.println("ShardingSphere-JDBC: writers on HASH_MOD over 3 shards");
            WriteLoad load = new WriteLoad("ss3", writer(after.dataSource()), writers, rows, deadlineNanos);
            ssWritesAfter = measure(load);
            load.stop();
            ssWriteErrors += load.errors.sum();
        }
        ssMisplacedAfter = HashModResharding.misplaced(shards, ACCOUNTS_SS);
    }

    /** Writers on two routers while the resharder adds shard-2 online. */
    void ringrouteOnline() throws Exception {
        CatalogSpec catalog = new CatalogSpec(cluster.startStandalone("catalog").spec(), "rr_catalog",
                Duration.ofMillis(200));
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            cat.initialize(two);
            cat.registerTable(ACCOUNTS_RR);
        }
        Map<String, Double> target = new LinkedHashMap<>();
        all.shardNames().forEach(s -> target.put(s, 1.0));
        long[] movedAt = new long[1];
        try (ShardRouter r1 = ShardRouter.builder().topology(all).catalog(catalog).build();
             ShardRouter r2 = ShardRouter.builder().topology(all).catalog(catalog).build();
             Resharder resharder = Resharder.builder().catalog(catalog).shards(all).cleanupGrace(CLEANUP_GRACE)
                     .listener(p -> {
                         if (p.phase() == ReshardProgress.Phase.CLEANING_UP && movedAt[0] == 0) {
                             movedAt[0] = System.nanoTime();
                         }
                     }).build()) {
            rrPlan = resharder.plan(target);
            System.err.println("ringroute: writers on 2 routers, then the resharder adds shard-2");
            ShardRouter[] routers = {r1, r2};
            WriteLoad load = new WriteLoad("rr", (t, k, v, insert) -> routers[t % 2].write(k,
                    c -> AccountRows.write(c, ACCOUNTS_RR.name(), k, v, insert)), writers, rows, deadlineNanos);
            rrWritesBefore = measure(load);
            long start = System.nanoTime();
            rrResult = resharder.run(target);
            rrWallSeconds = (System.nanoTime() - start) / 1e9;
            rrMovingSeconds = ((movedAt[0] == 0 ? System.nanoTime() : movedAt[0]) - start) / 1e9;
            rrWritesDuring = load.latency.getIntervalHistogram();
            load.stop();
            rrWriteErrors = load.errors.sum();
        }
    }

    /** A second of warm-up, then the writers' latency over the baseline seconds. */
    private Histogram measure(WriteLoad load) throws InterruptedException {
        Thread.sleep(1000);
        load.latency.getIntervalHistogram();
        Thread.sleep(baselineSeconds * 1000L);
        return load.latency.getIntervalHistogram();
    }

    private static WriteLoad.AccountWriter writer(DataSource ds) {
        return (t, k, v, insert) -> {
            try (Connection c = ds.getConnection()) {
                AccountRows.write(c, ACCOUNTS_SS, k, v, insert);
            }
        };
    }
}
