package io.ringroute.cache.node;

import io.ringroute.cache.TestNodes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's command line as a person runs it: a child JVM, its output and its exit code. */
class CacheNodeCommandLineTest {

    @TempDir
    Path dir;

    @Test
    void aTakenPortIsOneLineNamingTheCauseAndExitsOne() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Run run = run("--name", "a", "--port", Integer.toString(port));
            assertThat(run.exitCode).isEqualTo(1);
            assertThat(run.lines()).containsExactly("cache node a cannot listen on 127.0.0.1:" + port
                    + ": Address already in use");
        }
    }

    @Test
    void aHostOfAnotherMachineIsNamedAsSuchAndExitsOne() throws IOException {
        Run run = run("--name", "a", "--host", "192.0.2.1", "--allow-remote", "--secret-file", secretFile().toString());
        assertThat(run.exitCode).isEqualTo(1);
        assertThat(run.lines()).containsExactly("cache node a cannot listen on 192.0.2.1:5701: 192.0.2.1 is not an"
                + " address of this machine");
    }

    @Test
    void sigtermStopsTheNodeGracefullyWithExitCodeZero() throws Exception {
        Path out = dir.resolve("node.out");
        Process node = start(out, "--name", "sig", "--port", Integer.toString(TestNodes.freePort()));
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> read(out).contains("cache node sig ready at"));
            node.destroy(); // SIGTERM
            assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
            assertThat(node.exitValue()).isZero();
            assertThat(read(out)).contains("cache node sig stopped");
        } finally {
            node.destroyForcibly();
        }
    }

    private Path secretFile() throws IOException {
        Path file = dir.resolve("secret");
        Files.writeString(file, "correct horse battery staple\n", StandardCharsets.UTF_8);
        return file;
    }

    private record Run(int exitCode, String output) {
        List<String> lines() {
            return output.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    /** Runs the command line to its end (at most 60 s). */
    private Run run(String... args) {
        Path out = dir.resolve("run-" + System.nanoTime() + ".out");
        Process p = start(out, args);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("the command line did not end within 60 s: " + read(out));
            }
            return new Run(p.exitValue(), read(out));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            p.destroyForcibly();
        }
    }

    /** Starts {@code CacheNodeMain} in a child JVM on this module's class path, stdout and stderr into one file. */
    private static Process start(Path out, String... args) {
        List<String> command = new ArrayList<>(TestNodes.javaCommand(CacheNodeMain.class));
        command.addAll(List.of(args));
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
