package io.ringroute.shard.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL data directories: one initdb per JVM into a template, copied for every new primary (a copy starts in
 * about 0.15 s where initdb takes 2-4 s), and the copy rules for cloning a running primary into a standby.
 */
final class DataDirectories {

    private static final Logger LOG = LoggerFactory.getLogger(DataDirectories.class);
    private static final String CLUSTER_PREFIX = "ringroute-cluster-";
    private static final String TEMPLATE_PREFIX = "ringroute-pg-template-";
    private static Path template;
    private static boolean reaped;

    private DataDirectories() {
    }

    /**
     * A new directory in the temp dir for a cluster's servers, marked as this JVM's ({@link OrphanedServers}). The
     * first call per JVM first stops and deletes what dead runs left there.
     */
    static Path newClusterRoot() {
        return newRoot(CLUSTER_PREFIX);
    }

    private static synchronized Path newRoot(String prefix) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        if (!reaped) {
            reaped = true;
            OrphanedServers.reap(tmp, List.of(CLUSTER_PREFIX, TEMPLATE_PREFIX));
        }
        try {
            Path root = Files.createTempDirectory(tmp, prefix);
            OrphanedServers.markOwned(root);
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a directory for embedded PostgreSQL servers", e);
        }
    }

    /** A fresh, never started copy of the per-JVM template at {@code target}. */
    static synchronized void newPrimary(Path target) {
        if (template == null) {
            template = initTemplate();
        }
        copy(template, target, p -> false);
    }

    private static Path initTemplate() {
        Path root = newRoot(TEMPLATE_PREFIX);
        try {
            Path dir = root.resolve("data");
            long start = System.nanoTime();
            try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir)
                    .setCleanDataDirectory(false).setOutputRedirector(ProcessBuilder.Redirect.appendTo(
                            root.resolve("initdb.log").toFile())).start()) {
                LOG.info("initdb of the template data directory took {} ms", (System.nanoTime() - start) / 1_000_000);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(root), "ringroute-pg-template-cleanup"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the template PostgreSQL data directory", e);
        }
    }

    /**
     * Copies a data directory keeping permissions, skipping what must not travel: the postmaster's pid and
     * options, zonky's lock file, statistics temp files, and whatever {@code skip} names (for an online clone:
     * WAL segments and replication slots).
     */
    static void copy(Path from, Path to, Predicate<Path> skip) {
        try {
            Files.walkFileTree(from, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Path rel = from.relativize(dir);
                    if (!rel.toString().isEmpty() && skip.test(rel)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    Path target = to.resolve(rel.toString());
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(dir));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Path rel = from.relativize(file);
                    String name = file.getFileName().toString();
                    if (name.equals("postmaster.pid") || name.equals("postmaster.opts") || name.equals("epg-lock")
                            || rel.startsWith("pg_stat_tmp") || skip.test(rel)) {
                        return FileVisitResult.CONTINUE;
                    }
                    try {
                        Files.copy(file, to.resolve(rel.toString()), StandardCopyOption.COPY_ATTRIBUTES,
                                LinkOption.NOFOLLOW_LINKS);
                    } catch (NoSuchFileException e) {
                        // a running server removed it (temp files, recycled WAL): the clone does not need it
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy data directory " + from + " to " + to, e);
        }
    }

    /**
     * Deletes a directory tree, tolerating files that vanish while it walks (a server that just exited removes its
     * postmaster.pid) and a tree that is already gone, so that it can run more than once.
     */
    static void delete(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new Deletion());
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", root, e.toString());
        }
    }

    /** Deletes what it visits; a file already gone counts as deleted. */
    static class Deletion extends SimpleFileVisitor<Path> {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
            if (exc instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
            }
            throw exc;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            if (exc != null && !(exc instanceof NoSuchFileException)) {
                throw exc;
            }
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
        }
    }
}
