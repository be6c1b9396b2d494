package io.ringroute.bench.cache;

import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.CacheEntry;
import io.ringroute.cache.RebalanceProgress;
import io.ringroute.cache.ValueCodec;
import io.ringroute.cache.invalidation.CacheInvalidator;
import io.ringroute.cache.invalidation.InvalidatorStats;
import io.ringroute.cache.invalidation.PurgeList;
import io.ringroute.cache.invalidation.RowKeys;
import io.ringroute.cache.invalidation.TombstoneVersion;
import io.ringroute.testsupport.TcpProxy;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The multi-process chaos run: an embedded PostgreSQL 17 primary holding one row per key ({@link Items}) with the
 * WAL {@link CacheInvalidator} following it, four node processes started with the node CLI (and a fifth to add),
 * three client JVMs ({@link ChaosClient}) doing PostgreSQL-backed cache-aside over a shared key space with R=2 and a
 * shared membership (values versioned by the row's version), and a schedule drawn from a seed: kill -9 and restart of a node, SIGSTOP/SIGCONT of another, a
 * partition between one client and one node (a {@link TcpProxy} that client goes through holds every byte, as a
 * network that drops packets does), the restart of a
 * client midway, an add and a remove of a node. Then it counts, from the clients' logs, stale reads beyond the
 * bound and of a process's own writes, the largest staleness, acknowledged writes lost, failed calls, p99/max
 * latency, hit rate and time to eject. Progress on stderr, the report on stdout. Not part of the build's tests.
 */
@Command(name = "cache-chaos", mixinStandardHelpOptions = true,
        description = "Multi-process cache chaos run: node kills, stalls, a partition, membership changes.")
public final class CacheChaos implements Callable<Integer> {

    /** Where the purge list lives, in the items database. */
    static final String PURGE_SCHEMA = "ringroute_cache";

    @Option(names = "--seed", defaultValue = "42", description = "Schedule seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--seconds", defaultValue = "60", description = "Client run time (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--keys", defaultValue = "2000", description = "Shared keys (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--bound-ms", defaultValue = "1000",
            description = "Staleness bound for other processes' writes (default: ${DEFAULT-VALUE}).")
    long boundMillis;

    @Option(names = "--client-threads", defaultValue = "4",
            description = "Calling threads per client process (default: ${DEFAULT-VALUE}).")
    int clientThreads;

    @Option(names = "--invalidator", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run the WAL invalidator on the primary (default: ${DEFAULT-VALUE}).")
    boolean invalidator;

    private final List<Process> started = new ArrayList<>();
    private final Map<String, Long> faults = new LinkedHashMap<>();
    private final List<String> changes = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new CacheChaos()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("cache-chaos");
        Random random = new Random(seed);
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("wal_level", "logical")
                .setServerConfig("max_connections", "50").start()) {
            String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
            try (Connection c = pg.getPostgresDatabase().getConnection()) {
                Items.create(c, keys);
            }
            progress("PostgreSQL 17 primary on port " + pg.getPort() + ", " + keys + " rows");
            run(pg, url, dir, random);
        } finally {
            for (Process p : started) {
                p.destroyForcibly();
            }
        }
        return 0;
    }

    private void run(EmbeddedPostgres pg, String url, Path dir, Random random) throws Exception {
        Map<String, Integer> ports = new LinkedHashMap<>();
        Map<String, Process> nodes = new LinkedHashMap<>();
        for (String id : List.of("a", "b", "c", "d", "e")) {
            ports.put(id, BenchNodes.freePort());
            nodes.put(id, startNode(id, ports.get(id), dir));
        }
        for (String id : nodes.keySet()) {
            awaitReady(id, nodes.get(id), dir);
        }
        List<String> first4 = List.of("a", "b", "c", "d");
        String killed = first4.get(random.nextInt(4));
        String stopped = other(first4, random, killed);
        String partitioned = other(first4, random, killed, stopped);
        String removed = other(first4, random, killed, stopped, partitioned);
        try (TcpProxy relay = new TcpProxy(ports.get(partitioned));
             CacheCluster<String> admin = cluster(first4, ports, null, null);
             CacheInvalidator inv = invalidator ? startInvalidator(pg, url, admin) : null) {
            List<Path> logs = new ArrayList<>();
            Map<String, Process> clients = new LinkedHashMap<>();
            for (String c : List.of("c1", "c2", "c3")) {
                Path log = dir.resolve(c + ".log");
                logs.add(log);
                clients.put(c, startClient(c, first4, ports, c.equals("c1") ? partitioned : null,
                        relay.address(), seconds, log, dir, url, true));
            }
            for (String c : List.of("c1", "c2", "c3")) {
                awaitConnected(c, dir.resolve(c + ".log"));
            }
            for (Process p : clients.values()) { // all connected: start their calls and the schedule together
                p.getOutputStream().write('\n');
                p.getOutputStream().flush();
            }
            long t0 = System.currentTimeMillis();
            long unit = seconds * 1000L / 12;
            at(t0 + unit, "kill -9 node " + killed);
            faults.put(killed, System.currentTimeMillis());
            nodes.get(killed).destroyForcibly().waitFor();
            at(t0 + 2 * unit, "restart node " + killed);
            nodes.put(killed, startNode(killed, ports.get(killed), dir)); // not waited for: the schedule goes on
            progress("node " + killed + " restarting (pid " + nodes.get(killed).pid() + ")");
            at(t0 + 3 * unit, "SIGSTOP node " + stopped);
            faults.put(stopped, System.currentTimeMillis());
            signal(nodes.get(stopped), "STOP");
            at(t0 + 4 * unit, "SIGCONT node " + stopped);
            signal(nodes.get(stopped), "CONT");
            at(t0 + 5 * unit, "partition c1 from node " + partitioned + " (the relay holds every byte)");
            relay.pause();
            at(t0 + 6 * unit, "heal partition");
            relay.resume();
            at(t0 + 7 * unit, "add node e");
            change("add e", () -> admin.addNode("e", "127.0.0.1:" + ports.get("e"), 1.0, null));
            at(t0 + 8 * unit, "kill -9 client c3, start c3b");
            clients.get("c3").destroyForcibly().waitFor();
            Path log3b = dir.resolve("c3b.log");
            logs.add(log3b);
            long left = Math.max(5, (t0 + seconds * 1000L - System.currentTimeMillis()) / 1000);
            clients.put("c3b", startClient("c3b", first4, ports, null, null, (int) left, log3b,
                    dir, url, false));
            at(t0 + 9 * unit, "remove node " + removed);
            change("remove " + removed, () -> admin.removeNode(removed));
            for (Process p : clients.values()) {
                p.waitFor(seconds + 120L, TimeUnit.SECONDS);
            }
            progress("clients done; checking every key");
            report(new ChaosReport(logs, boundMillis), admin, pg, inv);
        }
    }

    /** items.key is the cache key, cached with the row's version: an invalidation drops only older values. */
    private static final RowKeys ITEM_KEYS = new RowKeys() {
        @Override
        public Collection<String> keys(String table, Map<String, String> row) {
            return row.get("key") == null ? List.of() : List.of(row.get("key"));
        }

        @Override
        public long version(String table, Map<String, String> row, String key) {
            String v = row.get("version");
            return v == null ? Long.MIN_VALUE : Long.parseLong(v);
        }
    };

    /** The invalidator for the items table, on the orchestrator's own cluster client (the nodes start empty). */
    private static CacheInvalidator startInvalidator(EmbeddedPostgres pg, String url, CacheCluster<String> admin)
            throws InterruptedException {
        CacheInvalidator inv = CacheInvalidator.builder().primary(url, "postgres", null).tables("items")
                .keys(ITEM_KEYS)
                .cache(admin).purgeList(PurgeList.inPostgres(pg.getPostgresDatabase(), PURGE_SCHEMA))
                .purgeOnNewSlot(false)
                .tombstoneVersion(TombstoneVersion.HELD) // the key space carries row versions, not clock versions
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!inv.isActive() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
        progress("WAL invalidator " + (inv.isActive() ? "streaming" : "NOT streaming after 60 s"));
        return inv;
    }

    private void report(ChaosReport r, CacheCluster<String> admin, EmbeddedPostgres pg, CacheInvalidator inv)
            throws SQLException {
        Map<String, Long> rows = new HashMap<>();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT key, version FROM items")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getLong(2));
            }
        }
        long lost = 0;
        long behindDatabase = 0;
        long cached = 0;
        Map<String, Long> newest = r.newestWrites();
        for (Map.Entry<String, Long> row : rows.entrySet()) {
            CacheEntry<String> now = admin.getEntry(row.getKey());
            if (now == null) {
                continue; // a miss loads the row: nothing stale is served
            }
            cached++;
            if (now.version() < newest.getOrDefault(row.getKey(), Long.MIN_VALUE)) {
                lost++;
            }
            if (now.version() < row.getValue()) {
                behindDatabase++;
            }
        }
        System.out.printf("seed %d, %d s, %d keys, R=2, bound %d ms, PostgreSQL-backed cache-aside, WAL invalidator"
                + " %s%n", seed, seconds, keys, boundMillis, inv == null ? "off" : "on");
        System.out.printf("calls %d, failed %d, reads %d, hit rate %.3f%n", r.calls, r.failures, r.reads,
                r.reads == 0 ? 0 : (double) r.hits / r.reads);
        System.out.printf("stale reads beyond %d ms: %d; stale reads of own writes: %d; largest staleness %d ms%n",
                boundMillis, r.staleBeyondBound, r.staleOwn, r.largestStalenessMillis);
        System.out.printf("acknowledged writes lost by the cache (entry older than the newest acknowledged write at the"
                + " end): %d of %d keys cached (%d keys written); entries older than their row: %d%n", lost, cached,
                newest.size(), behindDatabase);
        System.out.printf("call latency p99 %.1f ms, max %.1f ms (worst client)%n", r.p99Micros / 1000.0,
                r.maxMicros / 1000.0);
        faults.forEach((node, at) -> {
            long eject = r.ejections.getOrDefault(node, List.of()).stream().filter(t -> t >= at).mapToLong(t -> t)
                    .min().orElse(-1);
            System.out.printf("time to eject node %s after its fault: %s%n", node,
                    eject < 0 ? "never" : (eject - at) + " ms");
        });
        changes.forEach(c -> System.out.println("membership change " + c));
        if (inv != null) {
            InvalidatorStats s = inv.stats();
            System.out.printf("invalidator: %d transactions, %d failed node deliveries, commit -> delivered p50 %.1f ms,"
                    + " p99 %.1f ms, max %.1f ms%n", s.transactions(), s.failedDeliveries(),
                    s.delayMicros().getValueAtPercentile(50) / 1000.0, s.delayMicros().getValueAtPercentile(99) / 1000.0,
                    s.delayMicros().getMaxValue() / 1000.0);
        }
    }

    /**
     * Runs a membership change; on a machine so loaded that it fails (a node not reached within the connect
     * timeout), tries once more, then goes on without it and says so in the report.
     */
    private void change(String what, Supplier<RebalanceProgress> body) throws InterruptedException {
        for (int attempt = 1; attempt <= 2; attempt++) {
            try {
                RebalanceProgress done = body.get();
                progress(done.toString());
                changes.add(what + ": " + done);
                return;
            } catch (RuntimeException e) {
                progress(what + " failed (attempt " + attempt + "): " + e.getMessage());
                TimeUnit.SECONDS.sleep(2);
            }
        }
        changes.add(what + ": FAILED twice, not done");
    }

    private static String other(List<String> ids, Random random, String... taken) {
        List<String> free = new ArrayList<>(ids);
        free.removeAll(List.of(taken));
        return free.get(random.nextInt(free.size()));
    }

    private static CacheCluster<String> cluster(List<String> ids, Map<String, Integer> ports, String relayed,
                                                String relayAddress) {
        CacheCluster.Builder<String> b = CacheCluster.builder().codec(ValueCodec.utf8()).replicationFactor(2)
                .sharedMembership(Duration.ofMillis(500)).connectTimeout(Duration.ofSeconds(10))
                .allowDegradedStart(true);
        for (String id : ids) {
            b.node(id, id.equals(relayed) ? relayAddress : "127.0.0.1:" + ports.get(id));
        }
        return b.build();
    }

    private Process startNode(String id, int port, Path dir) throws IOException {
        return java(dir.resolve("node-" + id + ".out"), "io.ringroute.cache.node.CacheNodeMain", "--name", id,
                "--port", Integer.toString(port), "--max-size", "1m", "--ttl", "1h");
    }

    /** Waits for the node's "ready" line: up to 5 minutes, for a machine under heavy load. */
    private static void awaitReady(String id, Process p, Path dir) throws IOException {
        try (BufferedReader out = Files.newBufferedReader(dir.resolve("node-" + id + ".out"))) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (System.nanoTime() < deadline) {
                String line = out.readLine();
                if (line != null && line.contains("ready")) {
                    progress("node " + id + " ready (pid " + p.pid() + ")");
                    return;
                }
                if (line == null) {
                    Thread.sleep(50);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("node " + id + " did not start; see " + dir.resolve("node-" + id + ".out"));
    }

    /** Waits for a client's "connected" line: up to 5 minutes, for a machine under heavy load. */
    private static void awaitConnected(String id, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readAllLines(log).stream().anyMatch(l -> l.startsWith("B "))) {
                progress("client " + id + " connected");
                return;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new IllegalStateException("client " + id + " did not connect within 5 minutes; see " + log);
    }

    private Process startClient(String id, List<String> ids, Map<String, Integer> ports, String relayed,
                                String relayAddress, int runSeconds, Path log, Path dir, String url,
                                boolean waitForGo) throws IOException {
        StringBuilder nodes = new StringBuilder();
        for (String n : ids) {
            nodes.append(nodes.length() == 0 ? "" : ",").append(n).append('=')
                    .append(n.equals(relayed) ? relayAddress : "127.0.0.1:" + ports.get(n));
        }
        List<String> args = new ArrayList<>(List.of("--id", id, "--nodes", nodes.toString(), "--jdbc-url", url,
                "--threads", Integer.toString(clientThreads), "--keys", Integer.toString(keys), "--seconds",
                Integer.toString(runSeconds), "--seed", Long.toString(seed + id.hashCode()), "--log", log.toString()));
        if (waitForGo) {
            args.add("--wait-for-go");
        }
        Process p = java(dir.resolve(id + ".out"), ChaosClient.class.getName(), args.toArray(String[]::new));
        progress("client " + id + " started (pid " + p.pid() + ")" + (relayed == null ? "" : ", reaching node "
                + relayed + " through the relay"));
        return p;
    }

    private Process java(Path output, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-Dhazelcast.logging.type=slf4j",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        started.add(p);
        return p;
    }

    private static void signal(Process p, String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor();
    }

    private static void at(long millis, String what) throws InterruptedException {
        long wait = millis - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
        progress(what);
    }

    private static void progress(String s) {
        System.err.println("[chaos] " + s);
    }
}
