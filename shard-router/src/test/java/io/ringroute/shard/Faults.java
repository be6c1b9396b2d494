package io.ringroute.shard;

import static org.awaitility.Awaitility.await;

import io.ringroute.shard.embedded.EmbeddedServer;
import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Faults on embedded servers, made the way a host makes them: kill -9 of the postmaster, SIGSTOP/SIGCONT of the
 * postmaster and its children. Only pids of servers this test JVM started, read from their postmaster.pid.
 */
final class Faults {

    private Faults() {
    }

    /** The postmaster's pid: the first line of {@code <root>/<server name>/data/postmaster.pid}. */
    static long postmasterPid(EmbeddedShardCluster cluster, EmbeddedServer server) {
        Path pidFile = cluster.root().resolve(server.name()).resolve("data").resolve("postmaster.pid");
        try {
            return Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("no pid file for " + server, e);
        }
    }

    /**
     * Kills the server's postmaster with SIGKILL, waits until its children have gone (they exit when they notice
     * the postmaster died), then starts the server again on the same data directory: a new incarnation.
     */
    static void crashAndRestart(EmbeddedShardCluster cluster, EmbeddedServer server) {
        long pid = postmasterPid(cluster, server);
        List<ProcessHandle> family = family(pid);
        signal("-KILL", List.of(ProcessHandle.of(pid).orElseThrow()));
        await().atMost(Duration.ofSeconds(30)).until(() -> family.stream().noneMatch(ProcessHandle::isAlive));
        server.stop();      // zonky's pg_ctl stop fails on the dead server and only logs it; this forgets it
        server.start();
    }

    /** Stops the postmaster and every child with SIGSTOP (a hung host); closing the result resumes them. */
    static AutoCloseable freeze(EmbeddedShardCluster cluster, EmbeddedServer server) {
        List<ProcessHandle> family = family(postmasterPid(cluster, server));
        signal("-STOP", family);
        return () -> signal("-CONT", family);
    }

    private static List<ProcessHandle> family(long pid) {
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(
                "postmaster " + pid + " is not running"));
        List<ProcessHandle> all = new ArrayList<>();
        all.add(postmaster);
        postmaster.descendants().forEach(all::add);
        return all;
    }

    private static void signal(String signal, List<ProcessHandle> processes) {
        List<String> command = new ArrayList<>(List.of("kill", signal));
        processes.forEach(p -> command.add(Long.toString(p.pid())));
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
            kill.getInputStream().readAllBytes();
            kill.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }
}
