package io.ringroute.bench.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The child JVMs of one comparison run (Hazelcast members and ringroute node processes), all on this benchmark's
 * class path with the same heap and flags, each writing its output to a file in a temporary directory. Kills are
 * kill -9 ({@link Process#destroyForcibly()}) of a pid this object started; {@link #close()} kills the rest.
 */
final class HazelcastChildJvms implements AutoCloseable {

    private final Path dir;
    private final String heap;
    private final List<Process> started = new CopyOnWriteArrayList<>();

    HazelcastChildJvms(String heap) throws IOException {
        this.dir = Files.createTempDirectory("hazelcast-peers");
        this.heap = heap;
        // Ctrl-C: the node CLI processes do not watch their parent, so kill them on the way out.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> started.forEach(Process::destroyForcibly),
                "hazelcast-peers-children"));
    }

    /** Starts {@code mainClass} with {@code args}; its output goes to {@code <name>.out}. */
    Process start(String name, String mainClass, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms" + heap, "-Xmx" + heap, "-XX:+UseSerialGC",
                "-Dhazelcast.logging.type=slf4j", "-Dhazelcast.phone.home.enabled=false", "-Dhazelcast.jmx=true",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens", "java.management/sun.management=ALL-UNNAMED",
                "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output(name).toFile()).start();
        started.add(p);
        return p;
    }

    /**
     * Waits until the process prints a line containing {@code marker} and returns that line; fails if the process
     * exits or time runs out.
     */
    String awaitLine(String name, Process p, String marker, Duration timeout) throws IOException,
            InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (BufferedReader out = Files.newBufferedReader(output(name))) {
            while (System.nanoTime() < deadline) {
                String line = out.readLine();
                if (line != null && line.contains(marker)) {
                    return line;
                }
                if (line == null) {
                    if (!p.isAlive()) {
                        break;
                    }
                    Thread.sleep(50);
                }
            }
        }
        throw new IllegalStateException(name + " did not print '" + marker + "' within " + timeout.toSeconds()
                + " s (alive: " + p.isAlive() + "); see " + output(name));
    }

    /** kill -9 of a process this run started, and waits until it is gone. */
    void kill(Process p) throws InterruptedException {
        if (!started.contains(p)) {
            throw new IllegalArgumentException("pid " + p.pid() + " was not started by this run");
        }
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private Path output(String name) {
        return dir.resolve(name + ".out");
    }

    @Override
    public void close() {
        for (Process p : started) {
            p.destroyForcibly();
        }
        try {
            for (Process p : started) {
                p.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
