package io.ringroute.shard.reshard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.KeyHash;
import io.ringroute.ring.Node;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.ShardUnavailableException;
import io.ringroute.shard.WriteFence;
import io.ringroute.shard.catalog.CatalogSnapshot;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ServerSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import io.ringroute.testsupport.TcpProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Write leases against a router that cannot release them: a {@link LeasingWriterMain} in a process of its own
 * holds a lease on the shard that loses its key, and is stopped (SIGSTOP) while the key's range moves. The
 * cutover must end its session as a straggler instead of waiting for it, and once resumed the router must write
 * the key to its new owner only (its unit on the ended connection runs again, on a fresh one, through the gate).
 * And a leasing router cut off from the catalog, which keeps writing: it stops using its leases once it has not
 * heard from the catalog for two polls, so the cutover is not held off, and its writes are refused, not applied.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LeaseStragglerTest {

    private static final String A = "shard-a";
    private static final String B = "shard-b";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private EmbeddedShardCluster cluster;
    private ShardTopology all;
    private EmbeddedServer catalogServer;
    private CatalogSpec catalog;
    private CatalogSnapshot initial;
    private Path dir;
    private Process child;
    private final BlockingQueue<String> childLines = new LinkedBlockingQueue<>();

    @BeforeAll
    void start() throws Exception {
        cluster = EmbeddedShardCluster.builder().shardNames(A, B).replicasPerShard(0).vnodesPerShard(16)
                .connectionTimeout(Duration.ofSeconds(10)).logicalDecoding(true).start();
        all = cluster.topology();
        catalogServer = cluster.startStandalone("catalog");
        catalog = new CatalogSpec(catalogServer.spec(), "rr_catalog", Duration.ofMillis(200));
        initial = Accounts.create(cluster, catalog, all.withoutShard(B));
        dir = Files.createDirectories(cluster.root().resolve("leasing-writer"));   // deleted with the cluster
    }

    @AfterAll
    void stop() throws InterruptedException {
        try {
            if (child != null && child.isAlive()) {
                signal("-CONT", child.pid());    // a stopped process would not act on SIGKILL until resumed
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aStoppedLeasingRouterNeitherBlocksTheCutoverNorWritesToTheShardThatLostItsKey() throws Exception {
        Map<String, Double> target = new TreeMap<>(Node.ID_ORDER);
        target.put(A, 1.0);
        target.put(B, 1.0);
        String key = keyOwnedAfterwardsBy(B, target);
        child = startChild(writeChildConfig(), key);
        String leased = awaitLine();
        assertThat(leased).as("the child's first line").startsWith("leased ");
        int leasedPid = Integer.parseInt(leased.substring("leased ".length()));
        assertThat(sessionExists(A, leasedPid)).as("the leased session on " + A).isTrue();

        signal("-STOP", child.pid());
        ReshardResult result = Resharder.builder().catalog(catalog).shards(all).cleanupGrace(Duration.ofMillis(500))
                .build().run(target);
        assertThat(result.epoch()).as("the resharding's epoch").isGreaterThan(initial.epoch());
        assertThat(result.rowsCopied()).as("rows moved: the child's key").isEqualTo(1);
        await("the stopped child's leased session on " + A + " ends").atMost(WAIT)
                .until(() -> !sessionExists(A, leasedPid));

        // sent before the child resumes, so its unit likely starts before its catalog watcher learns the new epoch
        child.outputWriter().write("write 2\n");
        child.outputWriter().flush();
        signal("-CONT", child.pid());
        assertThat(awaitLine()).as(() -> "the child's answer to 'write 2'; its log:\n" + childLog()).isEqualTo("ok");

        assertThat(value(B, key)).as("the key's value on its new owner " + B).isEqualTo(2L);
        assertThat(Optional.ofNullable(value(A, key))).as("the key's old copy on " + A + " (deleted, or its old value)")
                .isIn(Optional.empty(), Optional.of(1L));
    }

    @Test
    @Order(2)   // after the first, whose key must start on shard-a; this one moves a key from the members it finds
    void aLeasingRouterCutOffFromTheCatalogStopsUsingItsLeasesSoTheCutoverGoesAheadAndItsWritesAreRefused()
            throws Exception {
        Map<String, Double> current;
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            current = cat.snapshot().members();
        }
        Map<String, Double> target = new TreeMap<>(Node.ID_ORDER);
        target.put(A, 1.0);
        if (!current.containsKey(B)) {
            target.put(B, 1.0);
        }
        HashRing before = initial.ringFor(current);
        HashRing after = initial.ringFor(target);
        String key = null;
        for (int i = 0; key == null; i++) {
            String k = "cut-off-" + i;
            long token = KeyHash.token(k);
            if (!before.primaryForToken(token).id().equals(after.primaryForToken(token).id())) {
                key = k;
            }
        }
        String from = before.primaryForToken(KeyHash.token(key)).id();
        String to = after.primaryForToken(KeyHash.token(key)).id();
        try (TcpProxy catalogLink = new TcpProxy(catalogServer.port());
             ShardRouter router = ShardRouter.builder().topology(all).catalog(new CatalogSpec(ServerSpec.builder(
                     catalog.server().url().replace(":" + catalogServer.port() + "/", ":" + catalogLink.port() + "/"))
                     .user(catalog.server().user()).password(catalog.server().password())
                     .connectionTimeout(Duration.ofSeconds(1)).build(), catalog.schema(), catalog.pollInterval(), true))
                     .build()) {
            String k = key;
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong acknowledged = new AtomicLong(-1);
            AtomicInteger refused = new AtomicInteger();
            List<String> failures = new CopyOnWriteArrayList<>();
            Thread writer = new Thread(() -> {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                for (long v = 0; running.get() && v < 1_000_000 && System.nanoTime() < deadline; v++) {
                    long value = v;
                    try {
                        router.write(k, Accounts.put(k, value));
                        acknowledged.set(value);
                    } catch (ShardUnavailableException e) {
                        refused.incrementAndGet();          // at the old epoch, not written: the fence's refusal
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }, "cut-off-writer");
            writer.start();
            try {
                await("the router writes " + k + " on " + from + " with a lease").atMost(WAIT)
                        .until(() -> acknowledged.get() >= 10 && leaseHolders(from) > 0);
                catalogLink.cut();

                ReshardResult result = Resharder.builder().catalog(catalog).shards(all)
                        .cleanupGrace(Duration.ofMillis(500)).build().run(target);
                assertThat(result.rowsCopied()).as("rows moved").isPositive();
                await("the cut-off router's write of " + k + " is refused").atMost(WAIT)
                        .until(() -> refused.get() > 0 || !failures.isEmpty());
                running.set(false);
                writer.join(TimeUnit.SECONDS.toMillis(30));
                assertThat(failures).as("writer failures").isEmpty();
                assertThat(value(to, k)).as("the key on its new owner " + to + ": the last acknowledged write")
                        .isEqualTo(acknowledged.get());
                assertThat(Optional.ofNullable(value(from, k))).as("the key's old copy on " + from)
                        .isIn(Optional.empty(), Optional.of(acknowledged.get()));

                catalogLink.restore();
                await("the router learns the new epoch").atMost(WAIT).until(() -> router.epoch() >= result.epoch());
                router.write(k, Accounts.put(k, -7));
                assertThat(value(to, k)).as("a write after the catalog is back").isEqualTo(-7L);
            } finally {
                running.set(false);
                writer.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
    }

    /** Sessions on the shard's primary that hold a write lease. */
    private long leaseHolders(String shard) throws SQLException {
        try (Connection c = cluster.shard(shard).primary().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = ?::oid")) {
            ps.setLong(1, WriteFence.LEASE_KEY & 0xffffffffL);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private String keyOwnedAfterwardsBy(String shard, Map<String, Double> target) {
        HashRing ring = initial.ringFor(target);    // the ring the resharder moves to
        for (int i = 0; ; i++) {
            String key = "acct-" + i;
            if (ring.primaryForToken(KeyHash.token(key)).id().equals(shard)) {
                return key;
            }
        }
    }

    /** The child's router: both shards (pools of one connection), the catalog, write leases. */
    private Path writeChildConfig() throws IOException {
        Properties p = new Properties();
        p.setProperty("vnodesPerShard", Integer.toString(all.vnodesPerShard()));
        for (EmbeddedShard s : cluster.shards()) {
            String prefix = "shards." + s.name() + ".primary.";
            server(p, prefix, s.primary().spec());
            p.setProperty(prefix + "maxPoolSize", "1");
            p.setProperty(prefix + "minIdle", "0");
        }
        server(p, "catalog.", catalog.server());
        p.setProperty("catalog.schema", catalog.schema());
        p.setProperty("catalog.pollInterval", catalog.pollInterval().toMillis() + "ms");
        p.setProperty("catalog.writeLeases", "true");
        Path file = dir.resolve("router.properties");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        return file;
    }

    private static void server(Properties p, String prefix, ServerSpec spec) {
        p.setProperty(prefix + "url", spec.url());
        p.setProperty(prefix + "user", spec.user());
        p.setProperty(prefix + "password", spec.password());
        p.setProperty(prefix + "connectionTimeout", spec.connectionTimeout().toMillis() + "ms");
    }

    private Process startChild(Path config, String key) throws IOException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss1m", "-cp", System.getProperty("java.class.path"), LeasingWriterMain.class.getName(),
                config.toString(), key).redirectError(dir.resolve("child.log").toFile()).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    childLines.add(line);
                }
            } catch (IOException e) {
                childLines.add("error reading the child's output: " + e);
            }
        }, "leasing-writer-output");
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    private String awaitLine() {
        await("a line from the child").atMost(WAIT).until(() -> !childLines.isEmpty() || !child.isAlive());
        String line = childLines.poll();
        assertThat(line).as(() -> "the child's line (it has exited); its log:\n" + childLog()).isNotNull();
        return line;
    }

    private String childLog() {
        try {
            return Files.readString(dir.resolve("child.log"));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private boolean sessionExists(String shard, int pid) throws SQLException {
        try (Connection c = cluster.shard(shard).primary().connect();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    /** The key's value on a shard's primary, or null if the shard has no row for it. */
    private Long value(String shard, String key) throws SQLException {
        try (Connection c = cluster.shard(shard).primary().connect();
             PreparedStatement ps = c.prepareStatement("SELECT v FROM accounts WHERE k = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    /** Sends a signal to the child this test started, by its pid. */
    private static void signal(String signal, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0)
                    .as("kill %s %d: %s", signal, pid, out).isTrue();
        } catch (IOException e) {
            throw new UncheckedIOException("could not run kill " + signal + " " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running kill " + signal + " " + pid, e);
        }
    }
}
