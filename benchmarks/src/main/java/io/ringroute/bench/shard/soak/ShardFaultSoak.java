package io.ringroute.bench.shard.soak;

import io.ringroute.ring.KeyHash;
import io.ringroute.shard.Consistency;
import io.ringroute.shard.Session;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.TokenKeys;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ServerSpec;
import io.ringroute.shard.config.ShardSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShard;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import io.ringroute.testsupport.TcpProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The shard router under the faults a deployment sees every week, mixed: sessions write and read a small shared key
 * space through several routers (the token carried between them as a string, as a browser cookie would) while a
 * seeded schedule kills and restarts standbys, freezes them (SIGSTOP), restarts the catalog server, cuts
 * connections through a loopback TCP proxy, and kills a resharding JVM with kill -9 and resumes it. It reports, per
 * fault kind, the reads and how many missed the session's own write (must be 0), the replica offload, the errors
 * that reached the caller by type, latencies, and the longest pause between two successful writes.
 */
@Command(name = "shard-fault-soak", mixinStandardHelpOptions = true,
        description = "Fault soak of the shard router on embedded PostgreSQL (3 shards with a standby each, a catalog"
                + " server, loopback TCP proxies, resharding in a child JVM). Progress on stderr, report on stdout;"
                + " exit code 1 if any session read missed its own write.")
public final class ShardFaultSoak implements Callable<Integer> {

    private static final String[] SHARDS = {"shard-a", "shard-b", "shard-c"};
    private static final String NONE = "none";
    private static final ShardedTable KV = ShardedTable.of("soak_kv", "k", "k");
    private static final ShardedTable BALLAST = ShardedTable.of("soak_ballast", "k", "k");

    @Option(names = "--seconds", defaultValue = "180", description = "how long to run (default ${DEFAULT-VALUE})")
    int seconds;
    @Option(names = "--seed", defaultValue = "1", description = "seed of the fault schedule and the workload")
    long seed;
    @Option(names = "--sessions", defaultValue = "8", description = "concurrent sessions (default ${DEFAULT-VALUE})")
    int sessions;
    @Option(names = "--routers", defaultValue = "3", description = "router instances (default ${DEFAULT-VALUE})")
    int routerCount;
    @Option(names = "--keys", defaultValue = "64", description = "shared key space (default ${DEFAULT-VALUE})")
    int keys;
    @Option(names = "--apply-delay-ms", defaultValue = "300", description = "standby replay delay")
    long applyDelayMillis;
    @Option(names = "--fault-every-ms", defaultValue = "8000", description = "mean gap between faults")
    long faultEveryMillis;
    @Option(names = "--think-ms", defaultValue = "20", description = "pause between a session's requests")
    long thinkMillis;
    @Option(names = "--write-percent", defaultValue = "25", description = "share of requests that write")
    int writePercent;
    @Option(names = "--ballast-rows", defaultValue = "20000", description = "rows resharding moves besides the keys")
    int ballastRows;
    @Option(names = "--faults", split = ",", description = "fault kinds (default all): ${COMPLETION-CANDIDATES}")
    List<SoakFaults.Kind> kinds = List.of(SoakFaults.Kind.values());

    private final Map<String, SoakStats> stats = new LinkedHashMap<>();
    private volatile SoakStats current;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong lastWriteNanos = new AtomicLong();
    private volatile boolean running = true;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ShardFaultSoak()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        stats.put(NONE, new SoakStats(NONE));
        kinds.forEach(k -> stats.put(k.name(), new SoakStats(k.name())));
        current = stats.get(NONE);
        Path work = Files.createTempDirectory("shard-soak");
        List<TcpProxy> proxies = new ArrayList<>();
        List<ShardRouter> routers = new ArrayList<>();
        try (EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shardNames(SHARDS).replicasPerShard(1)
                .replicaApplyDelay(Duration.ofMillis(applyDelayMillis)).vnodesPerShard(32).start()) {
            EmbeddedServer catalogServer = cluster.startStandalone("catalog");
            CatalogSpec catalog = new CatalogSpec(catalogServer.spec(), CatalogSpec.DEFAULT_SCHEMA,
                    Duration.ofMillis(200));
            ShardTopology viaProxies = proxied(cluster, proxies);
            prepare(cluster, catalog);
            TokenKeys secret = TokenKeys.of("soak-router-secret-" + seed);
            for (int i = 0; i < routerCount; i++) {
                routers.add(ShardRouter.builder().topology(viaProxies).catalog(catalog).tokenKeys(secret).build());
            }
            preload(routers.get(0), cluster);
            Path config = reshardConfig(cluster, catalog, work);
            List<EmbeddedServer> standbys = cluster.shards().stream().map(s -> s.replica(0)).toList();
            SoakFaults faults = new SoakFaults(seed, standbys, cluster.root(), catalogServer, catalog, proxies,
                    config, work);
            System.err.printf("soak: %d s, %d sessions over %d routers, %d keys, seed %d, faults %s, logs in %s%n",
                    seconds, sessions, routerCount, keys, seed, kinds, work);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            ExecutorService pool = Executors.newFixedThreadPool(sessions);
            List<Future<?>> done = new ArrayList<>();
            lastWriteNanos.set(System.nanoTime());
            for (int s = 0; s < sessions; s++) {
                long sessionSeed = seed * 1000 + s;
                done.add(pool.submit(() -> session(routers, sessionSeed, end)));
            }
            schedule(faults, end);
            running = false;
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
            pool.shutdown();
            routers.forEach(ShardRouter::close);      // before the servers go
            routers.clear();
        } finally {
            running = false;
            routers.forEach(ShardRouter::close);
            proxies.forEach(TcpProxy::close);
        }
        return report();
    }

    /** Runs faults until shortly before the end; each fault's phase lasts from its start to 2 s after its end. */
    private void schedule(SoakFaults faults, long end) throws Exception {
        long start = System.nanoTime();
        while (System.nanoTime() + TimeUnit.SECONDS.toNanos(15) < end) {
            Thread.sleep(faults.gapMillis(faultEveryMillis));
            SoakFaults.Kind kind = faults.next(kinds);
            SoakStats phase = stats.get(kind.name());
            current = phase;
            phase.faults.increment();
            String what = faults.inject(kind);
            System.err.printf("[%5.1f s] %-15s %s%n", (System.nanoTime() - start) / 1e9, kind, what);
            Thread.sleep(2000);
            current = stats.get(NONE);
        }
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
    }

    /**
     * One session: writes a random shared key ({@code --write-percent} of its requests) or reads, at SESSION, one
     * of the keys it wrote (or another key), each request through a random router with the token carried as text.
     * A read of an own key that returns less than the session last wrote there is stale (values only grow).
     */
    private void session(List<ShardRouter> routers, long sessionSeed, long end) {
        SplittableRandom random = new SplittableRandom(sessionSeed);
        Map<String, Long> own = new HashMap<>();
        List<String> written = new ArrayList<>();
        String token = routers.get(0).session().token().toString();
        while (running && System.nanoTime() < end) {
            SoakStats phase = current;
            long t0 = System.nanoTime();
            Session s;
            try {
                s = routers.get(random.nextInt(routers.size())).session(token);
            } catch (IllegalArgumentException e) {
                phase.error("token", e);
                s = routers.get(0).session();
            }
            if (written.isEmpty() || random.nextInt(100) < writePercent) {
                String key = "key-" + random.nextInt(keys);
                long value = sequence.incrementAndGet();
                try {
                    s.write(key, c -> upsert(c, key, value));
                    long now = System.nanoTime();
                    phase.write(now - t0);
                    phase.writePause(now - lastWriteNanos.getAndSet(now));
                    if (own.put(key, value) == null) {
                        written.add(key);
                    }
                } catch (Exception e) {
                    phase.error("write", e);
                }
            } else {
                String key = random.nextInt(10) < 8 ? written.get(random.nextInt(written.size()))
                        : "key-" + random.nextInt(keys);
                Long expected = own.get(key);
                try {
                    long[] seen = s.read(key, Consistency.SESSION, c -> select(c, key));
                    phase.read(System.nanoTime() - t0, seen[1] == 1, expected != null && seen[0] < expected);
                } catch (Exception e) {
                    phase.error("read", e);
                }
            }
            token = s.token().toString();
            pause(thinkMillis);
        }
    }

    private static int upsert(Connection c, String key, long value) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO soak_kv (k, v) VALUES (?, ?) ON CONFLICT (k)"
                + " DO UPDATE SET v = GREATEST(soak_kv.v, EXCLUDED.v)")) {
            ps.setString(1, key);
            ps.setLong(2, value);
            return ps.executeUpdate();
        }
    }

    /** The value (-1 if missing) and 1 if a standby served it. */
    private static long[] select(Connection c, String key) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT (SELECT v FROM soak_kv WHERE k = ?),"
                + " pg_is_in_recovery()")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long v = rs.getLong(1);
                return new long[]{rs.wasNull() ? -1 : v, rs.getBoolean(2) ? 1 : 0};
            }
        }
    }

    /** The routers' view: shard-a's primary and every standby behind a loopback proxy the soak can cut. */
    private static ShardTopology proxied(EmbeddedShardCluster cluster, List<TcpProxy> proxies) {
        ShardTopology.Builder b = ShardTopology.builder().vnodesPerShard(32);
        for (EmbeddedShard s : cluster.shards()) {
            ShardSpec.Builder shard = ShardSpec.builder(s.name()).primary(s.name().equals("shard-a")
                    ? via(s.primary(), proxies) : bounded(s.primary().spec(), s.primary().spec().url()));
            shard.replica(via(s.replica(0), proxies));
            b.shard(shard.build());
        }
        return b.build();
    }

    private static ServerSpec via(EmbeddedServer server, List<TcpProxy> proxies) {
        TcpProxy proxy = new TcpProxy(server.port());
        proxies.add(proxy);
        ServerSpec spec = server.spec();
        return bounded(spec, spec.url().replace("localhost:" + server.port() + "/", "127.0.0.1:" + proxy.port() + "/"));
    }

    /** A deployment's timeouts: a frozen server costs a read 3 s at most, not the 30 s default. */
    private static ServerSpec bounded(ServerSpec spec, String url) {
        return ServerSpec.builder(url).user(spec.user()).password(spec.password()).maxPoolSize(6).minIdle(1)
                .connectionTimeout(Duration.ofSeconds(1)).socketTimeout(Duration.ofSeconds(3)).build();
    }

    private static void prepare(EmbeddedShardCluster cluster, CatalogSpec catalog) throws Exception {
        for (EmbeddedShard s : cluster.shards()) {
            try (Connection c = s.primary().connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE soak_kv (k text PRIMARY KEY, v bigint NOT NULL)");
                st.execute("CREATE TABLE soak_ballast (k text PRIMARY KEY, pad text NOT NULL)");
                KV.addTokenColumn(c);
                BALLAST.addTokenColumn(c);
            }
        }
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            cat.initialize(cluster.topology().withoutShard("shard-c"));
            cat.registerTable(KV);
            cat.registerTable(BALLAST);
        }
    }

    /** Rows that give a resharding something to copy, so a kill -9 can land in the middle of it. */
    private void preload(ShardRouter router, EmbeddedShardCluster cluster) throws Exception {
        Map<String, Connection> primaries = new HashMap<>();
        Map<String, PreparedStatement> inserts = new HashMap<>();
        try {
            for (EmbeddedShard s : cluster.shards()) {
                Connection c = s.primary().connect();
                primaries.put(s.name(), c);
                inserts.put(s.name(), c.prepareStatement("INSERT INTO soak_ballast (k, pad, ring_token)"
                        + " VALUES (?, repeat('x', 100), ?)"));
            }
            for (int i = 0; i < ballastRows; i++) {
                String key = "ballast-" + i;
                PreparedStatement ps = inserts.get(router.shardOf(key));
                ps.setString(1, key);
                ps.setLong(2, KeyHash.token(key));
                ps.addBatch();
            }
            for (PreparedStatement ps : inserts.values()) {
                ps.executeBatch();
            }
        } finally {
            for (Connection c : primaries.values()) {
                c.close();
            }
        }
    }

    /** The resharder JVM's configuration: every shard directly (no proxy) and the catalog. */
    private static Path reshardConfig(EmbeddedShardCluster cluster, CatalogSpec catalog, Path dir) throws Exception {
        StringBuilder props = new StringBuilder("vnodesPerShard=32\n");
        for (EmbeddedShard s : cluster.shards()) {
            server(props, "shards." + s.name() + ".primary.", s.primary().spec());
        }
        server(props, "catalog.", catalog.server());
        Path file = dir.resolve("reshard.properties");
        Files.writeString(file, props);
        return file;
    }

    /** A server of the resharder's configuration; a long connect timeout, as the machine may be saturated. */
    private static void server(StringBuilder props, String prefix, ServerSpec spec) {
        props.append(prefix).append("url=").append(spec.url()).append('\n');
        props.append(prefix).append("connectionTimeout=10s\n");
        props.append(prefix).append("user=").append(spec.user()).append('\n');
        if (!spec.password().isEmpty()) {
            props.append(prefix).append("password=").append(spec.password()).append('\n');
        }
    }

    private int report() {
        System.out.printf("%nshard fault soak: %d s, %d sessions over %d routers (tokens carried as strings), %d keys,"
                + " seed %d, standby apply delay %d ms%n", seconds, sessions, routerCount, keys, seed,
                applyDelayMillis);
        SoakStats.printHeader(System.out);
        long stale = 0;
        for (SoakStats s : stats.values()) {
            s.print(System.out);
            stale += s.stale.sum();
        }
        System.out.println(stale == 0 ? "stale own-write reads: 0" : "STALE OWN-WRITE READS: " + stale);
        return stale == 0 ? 0 : 1;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
