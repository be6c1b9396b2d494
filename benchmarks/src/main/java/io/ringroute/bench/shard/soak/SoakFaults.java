package io.ringroute.bench.shard.soak;

import io.ringroute.shard.catalog.CatalogSnapshot;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.testsupport.TcpProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The soak's faults, drawn from a seeded schedule, each run to its end (the server back, the resharding finished)
 * before the next. Signals go only to processes this program started, by pid: the embedded servers'
 * postmasters (from their {@code postmaster.pid}) and the resharder JVMs it spawned.
 */
final class SoakFaults {

    /** The kinds of fault, in the order the report lists them. */
    enum Kind { STANDBY_KILL, STANDBY_STOP, CATALOG_RESTART, PROXY_CUT, RESHARD_KILL }

    private static final long RESHARD_TIMEOUT_SECONDS = 180;

    private final Random random;
    private final List<EmbeddedServer> standbys;
    private final Path clusterRoot;
    private final EmbeddedServer catalogServer;
    private final CatalogSpec catalog;
    private final List<TcpProxy> proxies;
    private final Path reshardConfig;
    private final Path logDir;
    private int reshards;

    SoakFaults(long seed, List<EmbeddedServer> standbys, Path clusterRoot, EmbeddedServer catalogServer,
               CatalogSpec catalog, List<TcpProxy> proxies, Path reshardConfig, Path logDir) {
        this.random = new Random(seed);
        this.standbys = standbys;
        this.clusterRoot = clusterRoot;
        this.catalogServer = catalogServer;
        this.catalog = catalog;
        this.proxies = proxies;
        this.reshardConfig = reshardConfig;
        this.logDir = logDir;
    }

    Kind next(List<Kind> kinds) {
        return kinds.get(random.nextInt(kinds.size()));
    }

    long gapMillis(long meanMillis) {
        return (long) (meanMillis * (0.5 + random.nextDouble()));
    }

    /** Runs one fault to its end; returns what it did, for the progress log. */
    String inject(Kind kind) throws Exception {
        return switch (kind) {
            case STANDBY_KILL -> killStandby();
            case STANDBY_STOP -> stopStandby();
            case CATALOG_RESTART -> restartCatalog();
            case PROXY_CUT -> cutProxy();
            case RESHARD_KILL -> killResharder();
        };
    }

    private String killStandby() throws Exception {
        EmbeddedServer s = standbys.get(random.nextInt(standbys.size()));
        long pid = postmasterPid(s);
        signal("-KILL", List.of(pid));
        waitGone(pid);
        try {
            s.stop();           // the handle still thinks it runs
        } catch (RuntimeException e) {
            // pg_ctl finds no server: expected after kill -9
        }
        Thread.sleep(500 + random.nextInt(1500));
        s.start();
        return "kill -9 " + s.name() + " (pid " + pid + "), restarted";
    }

    private String stopStandby() throws Exception {
        EmbeddedServer s = standbys.get(random.nextInt(standbys.size()));
        List<Long> pids = new ArrayList<>();
        long pid = postmasterPid(s);
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
        long millis = 1000 + random.nextInt(3000);
        signal("-STOP", pids);
        try {
            Thread.sleep(millis);
        } finally {
            signal("-CONT", pids);
        }
        return "SIGSTOP " + s.name() + " and its " + (pids.size() - 1) + " children for " + millis + " ms";
    }

    private String restartCatalog() throws Exception {
        catalogServer.stop();
        long millis = 300 + random.nextInt(1700);
        Thread.sleep(millis);
        catalogServer.start();
        return "catalog down " + millis + " ms";
    }

    private String cutProxy() throws Exception {
        int i = random.nextInt(proxies.size());
        long millis = 500 + random.nextInt(2000);
        proxies.get(i).cut();
        try {
            Thread.sleep(millis);
        } finally {
            proxies.get(i).restore();
        }
        return "proxy " + i + " cut for " + millis + " ms";
    }

    /**
     * Starts a resharding JVM (add or remove shard-c, or resume), kill -9s it a random time after it has recorded
     * its run in the catalog, then resumes it to the end in another JVM.
     */
    private String killResharder() throws Exception {
        String change = change();
        Process p = reshard(change);
        for (int i = 0; i < 600 && p.isAlive() && !unfinished(); i++) {
            Thread.sleep(100);       // the JVM starting, then planning: not yet a run to interrupt
        }
        long after = 200 + random.nextInt(2800);
        boolean finished = p.waitFor(after, TimeUnit.MILLISECONDS);
        String what;
        if (finished) {
            what = "resharder (" + change + ") ended before the kill, " + (p.exitValue() == 0 ? "done"
                    : "failed (exit " + p.exitValue() + ", see its log)");
        } else {
            p.destroyForcibly().waitFor();     // SIGKILL
            what = "kill -9 resharder (" + change + ") " + after + " ms into its run";
        }
        if (unfinished()) {
            Process resume = reshard("--resume");
            if (!resume.waitFor(RESHARD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                resume.destroyForcibly().waitFor();
                return what + "; resume did not finish in " + RESHARD_TIMEOUT_SECONDS + " s (killed)";
            }
            what += "; resumed in a new JVM, exit " + resume.exitValue();
        }
        return what;
    }

    private String change() throws SQLException {
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            CatalogSnapshot s = cat.snapshot();
            if (s.target().isPresent()) {
                return "--resume";
            }
            return s.members().containsKey("shard-c") ? "--remove=shard-c" : "--add=shard-c";
        }
    }

    private boolean unfinished() throws SQLException {
        try (TopologyCatalog cat = TopologyCatalog.connect(catalog)) {
            return cat.snapshot().target().isPresent();
        }
    }

    private Process reshard(String change) throws IOException {
        Path log = logDir.resolve("reshard-" + (++reshards) + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
                System.getProperty("java.class.path"), "io.ringroute.shard.reshard.ReshardCommand", "run",
                "--config", reshardConfig.toString(), change, "--batch-size", "500", "--cleanup-grace-ms", "1000")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private long postmasterPid(EmbeddedServer s) throws IOException {
        Path pidFile = clusterRoot.resolve(s.name()).resolve("data").resolve("postmaster.pid");
        return Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    }

    private static void signal(String signal, List<Long> pids) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kill", signal));
        pids.forEach(p -> cmd.add(Long.toString(p)));
        new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    private static void waitGone(long pid) throws InterruptedException {
        for (int i = 0; i < 200 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(50);
        }
    }
}
