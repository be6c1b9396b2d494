package io.ringroute.shard.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The process that owns a directory of embedded servers: its pid and its start time in clock ticks since boot
 * (field 22 of {@code /proc/<pid>/stat}), so that a pid reused by another process after the owner died is not
 * taken for the owner. Linux only: elsewhere {@link #current()} is empty and nothing is recorded or reaped.
 */
record RunOwner(long pid, long startTicks) {

    private static final Path PROC = Path.of("/proc");

    /** This JVM, or empty where {@code /proc} cannot tell a start time. */
    static Optional<RunOwner> current() {
        long pid = ProcessHandle.current().pid();
        return startTicks(pid).map(start -> new RunOwner(pid, start));
    }

    /** Parses {@code "<pid> <startTicks>"}, as {@link #toString()} writes it; empty when it is not that. */
    static Optional<RunOwner> parse(String text) {
        String[] parts = text.strip().split(" ");
        if (parts.length != 2) {
            return Optional.empty();
        }
        try {
            return Optional.of(new RunOwner(Long.parseLong(parts[0]), Long.parseLong(parts[1])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether the owner may still run: its pid exists and started at the recorded time. Only a pid that is gone,
     * or that now belongs to a process started at another time, counts as dead.
     */
    boolean isAlive() {
        if (!Files.isDirectory(PROC.resolve(Long.toString(pid)))) {
            return false;
        }
        return startTicks(pid).map(start -> start == startTicks).orElse(true);
    }

    /** The start time of {@code pid} from {@code /proc/<pid>/stat}; the command name may hold spaces or ')'. */
    static Optional<Long> startTicks(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(pid + "/stat"), StandardCharsets.US_ASCII);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(Long.parseLong(fields[19]));     // field 22 overall; 3 is the first after ')'
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return pid + " " + startTicks;
    }
}
