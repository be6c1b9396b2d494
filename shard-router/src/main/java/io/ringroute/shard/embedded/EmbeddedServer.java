package io.ringroute.shard.embedded;

import io.ringroute.shard.config.ServerSpec;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One embedded PostgreSQL 17 server (zonky binaries): a primary, or a streaming standby cloned from one. It can be
 * stopped and started again on the same port and data directory, to test failures. Logs go to a file next to the
 * data directory. It listens on loopback TCP only (no Unix socket) and admits the {@code postgres} superuser, for
 * queries and replication alike, only with its cluster's password (SCRAM-SHA-256); {@link #jdbcUrl()} and
 * {@link #spec()} carry that password.
 */
public final class EmbeddedServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServer.class);

    private final String name;
    private final Path dataDir;
    private final Path logFile;
    private final int port;
    private final boolean standby;
    private final Map<String, String> serverConfig;
    private final Duration connectionTimeout;
    private final SuperuserPassword password;
    private EmbeddedPostgres postgres;

    private EmbeddedServer(String name, Path dir, boolean standby, Map<String, String> serverConfig,
                           Duration connectionTimeout, SuperuserPassword password) {
        this.name = name;
        this.dataDir = dir.resolve("data");
        this.logFile = dir.resolve("postgres.log");
        this.port = freePort();
        this.standby = standby;
        this.serverConfig = Map.copyOf(serverConfig);
        this.connectionTimeout = connectionTimeout;
        this.password = password;
    }

    /**
     * A new primary in {@code dir}, from a copy of the per-JVM template, started and switched from the template's
     * password to {@code password}.
     */
    static EmbeddedServer startPrimary(String name, Path dir, Map<String, String> serverConfig,
                                       Duration connectionTimeout, SuperuserPassword password) {
        EmbeddedServer s = new EmbeddedServer(name, dir, false, serverConfig, connectionTimeout, password);
        SuperuserPassword initial = DataDirectories.newPrimary(s.dataDir);
        s.start(initial);
        try (Connection c = s.connect(initial)) {
            password.setOn(c);
        } catch (SQLException e) {
            s.stop();
            throw new IllegalStateException("could not set the superuser password of " + name, e);
        }
        return s;
    }

    /**
     * A streaming standby of this (running) primary in {@code dir}, cloned online: a physical replication slot,
     * {@code pg_backup_start}, a copy of the data directory without WAL or slots, {@code pg_backup_stop}'s label
     * file, then {@code standby.signal} and {@code primary_conninfo}. Started and streaming when this returns.
     */
    EmbeddedServer cloneStandby(String standbyName, Path dir, Duration applyDelay) {
        if (standby) {
            throw new IllegalStateException(name + " is a standby: clone standbys from the primary");
        }
        EmbeddedServer s = new EmbeddedServer(standbyName, dir, true, serverConfig, connectionTimeout, password);
        String slot = slotName(standbyName);
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
            st.execute("SELECT pg_backup_start('" + slot + "', true)");
            DataDirectories.copy(dataDir, s.dataDir, rel -> (rel.startsWith("pg_wal") && rel.getNameCount() > 1
                    && !rel.equals(Path.of("pg_wal", "archive_status")))
                    || (rel.startsWith("pg_replslot") && rel.getNameCount() > 1));
            try (ResultSet rs = st.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
                rs.next();
                Files.writeString(s.dataDir.resolve("backup_label"), rs.getString(1), StandardCharsets.UTF_8);
                String spcmap = rs.getString(2);
                if (spcmap != null && !spcmap.isEmpty()) {
                    Files.writeString(s.dataDir.resolve("tablespace_map"), spcmap, StandardCharsets.UTF_8);
                }
            }
            Files.createFile(s.dataDir.resolve("standby.signal"));
            Files.writeString(s.dataDir.resolve("postgresql.auto.conf"),
                    "\nprimary_conninfo = 'host=localhost port=" + port + " user=postgres password="
                            + password.reveal() + " application_name=" + slot + "'\nprimary_slot_name = '" + slot
                            + "'\n",
                    StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (SQLException e) {
            throw new IllegalStateException("could not clone " + name + " into standby " + standbyName, e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not clone " + name + " into standby " + standbyName, e);
        }
        s.start();
        if (!applyDelay.isZero()) {
            s.applyDelay(applyDelay);
        }
        s.awaitStreaming(Duration.ofSeconds(20));
        return s;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public boolean isStandby() {
        return standby;
    }

    public synchronized boolean isRunning() {
        return postgres != null;
    }

    /**
     * {@code jdbc:postgresql://localhost:<port>/postgres?password=<the cluster's password>} for the user
     * {@code postgres}. It holds a secret: name the server in messages with {@link ServerSpec#redactedUrl()}.
     */
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres?password=" + password.reveal();
    }

    /** This server as a router sees it: user {@code postgres} with the cluster's password. */
    public ServerSpec spec() {
        return ServerSpec.builder(jdbcUrl()).user("postgres").password(password.reveal())
                .connectionTimeout(connectionTimeout).build();
    }

    /** A new, unpooled connection as the superuser. */
    public Connection connect() throws SQLException {
        return connect(password);
    }

    private Connection connect(SuperuserPassword as) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", as.reveal());
        p.setProperty("connectTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres", p);
    }

    /**
     * Makes this standby apply each commit no earlier than {@code delay} after it happened on the primary: real,
     * deterministic replication lag. Set with ALTER SYSTEM (it survives restarts) and a reload.
     */
    public void applyDelay(Duration delay) {
        onStandby("set the apply delay of", "ALTER SYSTEM SET recovery_min_apply_delay = '" + delay.toMillis() + "ms'",
                "SELECT pg_reload_conf()");
    }

    /**
     * Pauses this standby's WAL replay ({@code pg_wal_replay_pause()}) until {@link #resumeReplay()}: no WAL record
     * written after this returns is applied, so a test knows the standby has not seen a later write, however fast
     * or slow the machine is.
     */
    public void pauseReplay() {
        onStandby("pause the replay of", "SELECT pg_wal_replay_pause()");
    }

    /** Resumes the WAL replay {@link #pauseReplay()} paused. */
    public void resumeReplay() {
        onStandby("resume the replay of", "SELECT pg_wal_replay_resume()");
    }

    /** This standby's replay position ({@code pg_last_wal_replay_lsn()}) as an unsigned byte offset. */
    public long replayLsn() {
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the replay position of " + name, e);
        }
    }

    private void onStandby(String what, String... statements) {
        if (!standby) {
            throw new IllegalStateException(name + " is a primary: only standbys replay WAL");
        }
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not " + what + " " + name, e);
        }
    }

    /** Starts the server on its data directory and port (again, after {@link #stop()}). */
    public void start() {
        start(password);
    }

    /** Starts; zonky checks readiness by logging in, with {@code as}. */
    private synchronized void start(SuperuserPassword as) {
        if (postgres != null) {
            return;
        }
        try {
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setDataDirectory(dataDir)
                    .setCleanDataDirectory(false).setPort(port).setRegisterShutdownHook(false)
                    .setConnectConfig("password", as.reveal())
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .setPGStartupWait(Duration.ofSeconds(30));
            serverConfig.forEach(b::setServerConfig);
            postgres = b.start();
            LOG.debug("{} started on port {}", name, port);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name + " (log: " + logFile + ")", e);
        }
    }

    /** Stops the server (fast shutdown); {@link #start()} brings it back. */
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
            LOG.debug("{} stopped", name);
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop " + name, e);
        } finally {
            postgres = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void awaitStreaming(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Connection c = connect(); Statement st = c.createStatement()) {
            while (true) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_wal_receiver"
                        + " WHERE status = 'streaming'")) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " did not start streaming within " + timeout.toSeconds()
                            + " s (log: " + logFile + ")");
                }
                Thread.sleep(20);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not check that " + name + " streams", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name + " to stream", e);
        }
    }

    private static String slotName(String serverName) {
        return serverName.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedServer{" + name + ", port " + port + (isRunning() ? "" : ", stopped") + "}";
    }
}
