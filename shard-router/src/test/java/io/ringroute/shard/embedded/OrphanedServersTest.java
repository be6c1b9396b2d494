package io.ringroute.shard.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrphanedServersTest {

    private static final List<String> PREFIXES = List.of("ringroute-cluster-", "ringroute-pg-template-");

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopChildren() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void serversOfAKilledRunAreStoppedAndDeletedButNotWhileItsOwnerLives() throws Exception {
        Process child = start(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                ClusterThatGetsKilled.class.getName())
                .redirectError(tmp.resolve("child.log").toFile()));
        Path root;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            root = Path.of(out.readLine());
        }
        List<ProcessHandle> postmasters = postmastersBelow(root);
        assertThat(postmasters).as("primary and standby of the child's shard").hasSize(2);

        assertThat(OrphanedServers.reap(tmp, PREFIXES)).as("the owner still runs").isEmpty();
        assertThat(postmasters).allMatch(ProcessHandle::isAlive);

        child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertThat(postmasters).as("not children of the JVM: they outlive it").allMatch(ProcessHandle::isAlive);

        assertThat(OrphanedServers.reap(tmp, PREFIXES)).contains(root);
        await().atMost(Duration.ofSeconds(30)).until(() -> postmasters.stream().noneMatch(ProcessHandle::isAlive));
        assertThat(root).doesNotExist();
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> PREFIXES.stream().anyMatch(name::startsWith));
        }
    }

    @Test
    void aPidReusedByAProcessStartedLaterDoesNotKeepADirectoryAlive() throws IOException {
        RunOwner parent = parentOwner();
        Path reused = ownedDir("ringroute-cluster-reused", new RunOwner(parent.pid(), parent.startTicks() + 1));
        Path alive = ownedDir("ringroute-cluster-alive", parent);
        Path unmarked = Files.createDirectories(tmp.resolve("ringroute-cluster-unmarked/data"));
        Path foreign = ownedDir("someone-else-", new RunOwner(Long.MAX_VALUE, 1));

        assertThat(OrphanedServers.reap(tmp, PREFIXES)).containsExactly(reused);
        assertThat(reused).doesNotExist();
        assertThat(alive).isDirectory();
        assertThat(unmarked).isDirectory();
        assertThat(foreign).isDirectory();
    }

    @Test
    void aProcessThatIsNotAPostgresOfTheDataDirectoryIsNeverSignalled() throws IOException {
        Process sleeper = start(new ProcessBuilder("sleep", "120"));
        Path root = ownedDir("ringroute-cluster-pid-reused", new RunOwner(Long.MAX_VALUE, 1));
        Path data = Files.createDirectories(root.resolve("shard-0-primary/data"));
        Files.writeString(data.resolve("postmaster.pid"), sleeper.pid() + "\n" + data + "\n");

        assertThat(OrphanedServers.postmasterOf(data)).isEmpty();
        assertThat(OrphanedServers.reap(tmp, PREFIXES)).containsExactly(root);
        assertThat(sleeper.isAlive()).isTrue();
    }

    @Test
    void aNewClusterRecordsItsOwnerBesideItsDataDirectories() {
        try (EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shards(1).replicasPerShard(0).start()) {
            Optional<RunOwner> owner = read(cluster.root().resolve(OrphanedServers.OWNER_FILE));
            assertThat(owner).contains(RunOwner.current().orElseThrow());
            assertThat(owner.orElseThrow().isAlive()).isTrue();
        }
    }

    private Process start(ProcessBuilder pb) throws IOException {
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private Path ownedDir(String name, RunOwner owner) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve(OrphanedServers.OWNER_FILE), owner + "\n");
        return dir;
    }

    private static RunOwner parentOwner() {
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        return new RunOwner(parent, RunOwner.startTicks(parent).orElseThrow());
    }

    private static Optional<RunOwner> read(Path ownerFile) {
        try {
            return RunOwner.parse(Files.readString(ownerFile));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<ProcessHandle> postmastersBelow(Path root) throws IOException {
        try (var pidFiles = Files.find(root, 3, (p, a) -> p.getFileName().toString().equals("postmaster.pid"))) {
            return pidFiles.map(p -> OrphanedServers.postmasterOf(p.getParent()).orElseThrow()).toList();
        }
    }

    /**
     * The child JVM: starts a one-shard cluster, prints its root, and waits to be killed. It blocks on its standard
     * input, a pipe the test holds open: if the test itself dies, the pipe closes and the child exits too.
     */
    static final class ClusterThatGetsKilled {
        public static void main(String[] args) throws IOException {
            EmbeddedShardCluster cluster = EmbeddedShardCluster.builder().shards(1).replicasPerShard(1).start();
            System.out.println(cluster.root());
            System.out.flush();
            while (System.in.read() != -1) {
                // nothing is ever written: read only returns at end of stream
            }
        }
    }
}
