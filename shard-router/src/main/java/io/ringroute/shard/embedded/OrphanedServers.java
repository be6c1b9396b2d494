package io.ringroute.shard.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds what a dead run left behind: the directories of embedded servers whose owner ({@link RunOwner}, recorded
 * in an {@value #OWNER_FILE} file beside the data directories) is gone, for example after a kill -9 or an
 * out-of-memory kill that skipped the shutdown hooks. Their PostgreSQL servers are not children of the JVM and
 * keep running. This stops each server that is still a postmaster of such a directory, then deletes the
 * directory. Directories without an owner file, or whose owner still runs, are never touched.
 */
final class OrphanedServers {

    static final String OWNER_FILE = "ringroute-owner";
    private static final Logger LOG = LoggerFactory.getLogger(OrphanedServers.class);
    private static final long STOP_WAIT_SECONDS = 10;

    private OrphanedServers() {
    }

    /** Records this JVM as the owner of {@code root}; does nothing where no owner can be told (not Linux). */
    static void markOwned(Path root) throws IOException {
        Optional<RunOwner> me = RunOwner.current();
        if (me.isPresent()) {
            Path tmp = root.resolve(OWNER_FILE + ".tmp");
            Files.writeString(tmp, me.get() + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, root.resolve(OWNER_FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /**
     * Stops and deletes what dead runs left in the directories of {@code parent} whose names start with one of
     * {@code prefixes}, and says so in one INFO line. Returns the directories it deleted.
     */
    static List<Path> reap(Path parent, List<String> prefixes) {
        List<Path> reaped = new ArrayList<>();
        List<Long> owners = new ArrayList<>();
        int stopped = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent,
                p -> prefixes.stream().anyMatch(prefix -> p.getFileName().toString().startsWith(prefix)))) {
            for (Path dir : dirs) {
                Optional<RunOwner> owner = deadOwner(dir);
                if (owner.isEmpty()) {
                    continue;
                }
                stopped += stopServers(dir);
                DataDirectories.delete(dir);
                if (!Files.exists(dir)) {
                    reaped.add(dir);
                    owners.add(owner.get().pid());
                }
            }
        } catch (IOException e) {
            LOG.debug("could not look for orphaned embedded servers in {}: {}", parent, e.toString());
        }
        if (!reaped.isEmpty()) {
            LOG.info("stopped {} PostgreSQL servers and deleted {} directories left by dead processes {}: {}",
                    stopped, reaped.size(), owners.stream().distinct().toList(), reaped);
        }
        return reaped;
    }

    /** The recorded owner of {@code dir} if it is dead; empty if it lives, is this JVM, or is not recorded. */
    private static Optional<RunOwner> deadOwner(Path dir) {
        try {
            Optional<RunOwner> owner = RunOwner.parse(Files.readString(dir.resolve(OWNER_FILE),
                    StandardCharsets.US_ASCII));
            return owner.filter(o -> o.pid() != ProcessHandle.current().pid() && !o.isAlive());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Asks every postmaster running on a data directory below {@code dir} to stop and waits; returns how many. */
    private static int stopServers(Path dir) throws IOException {
        List<ProcessHandle> postmasters = new ArrayList<>();
        try (Stream<Path> pidFiles = Files.find(dir, 3, (p, attrs) -> p.getFileName().toString()
                .equals("postmaster.pid"))) {
            pidFiles.forEach(pidFile -> postmasterOf(pidFile.getParent()).ifPresent(postmasters::add));
        }
        postmasters.forEach(ProcessHandle::destroy);        // SIGTERM: a smart shutdown, no client is left
        for (ProcessHandle pm : postmasters) {
            try {
                pm.onExit().get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException e) {
                pm.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping orphaned PostgreSQL servers in " + dir, e);
            }
        }
        return postmasters.size();
    }

    /**
     * The live process named in {@code dataDir}'s postmaster.pid, but only if it is a postgres whose command line
     * names this very data directory ({@code postgres -D <dataDir> ...}): a pid reused since is left alone.
     */
    static Optional<ProcessHandle> postmasterOf(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            long pid = Long.parseLong(lines.get(0).strip());
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            List<String> args = List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
            int d = args.indexOf("-D");
            if (args.isEmpty() || !Path.of(args.get(0)).getFileName().toString().equals("postgres") || d < 0
                    || d + 1 >= args.size()
                    || !Files.isSameFile(Path.of(args.get(d + 1)), dataDir)) {
                return Optional.empty();
            }
            return ProcessHandle.of(pid);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
