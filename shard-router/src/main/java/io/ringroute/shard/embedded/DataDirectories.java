package io.ringroute.shard.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL data directories: one initdb per JVM into a template, copied for every new primary (a copy starts in
 * about 0.15 s where initdb takes 2-4 s), and the copy rules for cloning a running primary into a standby.
 *
 * <p>The template is locked down before its first start, so no copy ever trusts anyone: initdb sets a random
 * superuser password (zonky always passes {@code -A trust}, so {@code pg_hba.conf} is rewritten), every connection,
 * replication included, must pass SCRAM-SHA-256 over TCP on loopback, and Unix sockets are off.
 */
final class DataDirectories {

    private static final Logger LOG = LoggerFactory.getLogger(DataDirectories.class);
    private static final String PG_HBA = """
            # written by ringroute: password (SCRAM-SHA-256) over loopback TCP only; no Unix sockets, no trust
            # TYPE  DATABASE     USER  ADDRESS       METHOD
            host    all          all   127.0.0.1/32  scram-sha-256
            host    all          all   ::1/128       scram-sha-256
            host    replication  all   127.0.0.1/32  scram-sha-256
            host    replication  all   ::1/128       scram-sha-256
            """;
    private static final String SETTINGS = """

            # written by ringroute
            listen_addresses = 'localhost'
            unix_socket_directories = ''
            password_encryption = 'scram-sha-256'
            """;
    private static final String CLUSTER_PREFIX = "ringroute-cluster-";
    private static final String TEMPLATE_PREFIX = "ringroute-pg-template-";
    private static Path template;
    private static SuperuserPassword templatePassword;
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
            Path root = Files.createTempDirectory(tmp, prefix);      // 0700
            OrphanedServers.markOwned(root);
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a directory for embedded PostgreSQL servers", e);
        }
    }

    /**
     * A fresh, never started copy of the per-JVM template at {@code target}; returns the superuser password it
     * accepts until the caller sets its own.
     */
    static synchronized SuperuserPassword newPrimary(Path target) {
        if (template == null) {
            templatePassword = SuperuserPassword.random();
            template = initTemplate(templatePassword);
        }
        copy(template, target, p -> false);
        return templatePassword;
    }

    private static Path initTemplate(SuperuserPassword password) {
        try {
            Path root = newRoot(TEMPLATE_PREFIX);
            Path dir = root.resolve("data");
            Path pwfile = root.resolve("pwfile");
            Files.writeString(pwfile, password.reveal(), StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
            long start = System.nanoTime();
            // zonky passes "locale" settings to initdb as --key=value: the only way to hand it --pwfile
            try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
                    .setLocaleConfig("pwfile", pwfile.toString()).setDataDirectoryCustomizer(d -> lockDown(d.toPath()))
                    .setConnectConfig("password", password.reveal())
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(root.resolve("initdb.log").toFile()))
                    .start()) {
                LOG.info("initdb of the template data directory took {} ms", (System.nanoTime() - start) / 1_000_000);
            } finally {
                Files.deleteIfExists(pwfile);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(root), "ringroute-pg-template-cleanup"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the template PostgreSQL data directory", e);
        }
    }

    /** Replaces initdb's trusting pg_hba.conf and turns Unix sockets off, before the server ever starts. */
    private static void lockDown(Path dataDir) {
        try {
            Files.writeString(dataDir.resolve("pg_hba.conf"), PG_HBA, StandardCharsets.US_ASCII);
            Files.writeString(dataDir.resolve("postgresql.conf"), SETTINGS, StandardCharsets.US_ASCII,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the authentication settings of " + dataDir, e);
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
