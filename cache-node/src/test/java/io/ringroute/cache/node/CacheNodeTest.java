package io.ringroute.cache.node;

import io.ringroute.cache.TestNodes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.EntryView;
import com.hazelcast.map.IMap;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node on its own: configuration, eviction, health and the command line. */
class CacheNodeTest {

    @Test
    void aFullNodeEvictsDownToItsBound() {
        try (CacheNode node = CacheNode.start(onePartition("evicting", Eviction.LFU))) {
            assertThat(node.isHealthy()).isTrue();
            for (int i = 0; i < 1_000; i++) {
                node.map().set("k" + i, new byte[10]);
            }
            assertThat(node.entryCount()).isEqualTo(BOUND);
            node.map().set("fresh", new byte[10]);
            assertThat(node.entryCount()).isEqualTo(BOUND);
            assertThat(node.map().getEntryView("fresh").getTtl()).isEqualTo(Duration.ofMinutes(5).toMillis());
        }
    }

    /**
     * A few keys read often but long ago, the rest written once since, then three times the bound written: LFU
     * keeps the often-read keys and LRU evicts them all. Hazelcast evicts the worst of 15 sampled entries: under
     * LFU a sample is all hot keys with a chance below 1e-13; under LRU a hot key escapes 300 samples with a chance
     * of 0.85^300.
     */
    @Test
    void lfuKeepsOftenReadKeysThatLruEvictsAsLeastRecentlyUsed() {
        assertThat(hotKeysLeftAfterOverfilling(Eviction.LFU)).isEqualTo(20);
        assertThat(hotKeysLeftAfterOverfilling(Eviction.LRU)).isZero();
    }

    private static final int BOUND = 100;

    private static CacheNodeConfig onePartition(String name, Eviction eviction) {
        return CacheNodeConfig.builder(name + "-" + TestNodes.freePort()).port(TestNodes.freePort())
                .maxSize(MaxSize.entries(BOUND)).eviction(eviction).ttl(Duration.ofMinutes(5))
                .hazelcastProperty("hazelcast.partition.count", "1").build();
    }

    private static long hotKeysLeftAfterOverfilling(Eviction eviction) {
        try (CacheNode node = CacheNode.start(onePartition("policy", eviction))) {
            IMap<Object, byte[]> map = node.map();
            for (int i = 0; i < 20; i++) {
                map.set("hot" + i, new byte[10]);
                for (int read = 0; read < 5; read++) {
                    map.get("hot" + i);
                }
            }
            // LRU compares last-access times, which Hazelcast keeps in whole seconds: the later keys must carry a
            // later one than every hot key. Write the first of them afresh until its own entry shows that.
            long hotAccessed = IntStream.range(0, 20).mapToObj(i -> map.getEntryView("hot" + i))
                    .mapToLong(v -> Math.max(v.getLastUpdateTime(), v.getLastAccessTime())).max().orElseThrow();
            await().until(() -> {
                map.delete("cold0");
                map.set("cold0", new byte[10]);
                return map.getEntryView("cold0").getLastUpdateTime() > hotAccessed;
            });
            for (int i = 1; i < BOUND - 20; i++) {
                map.set("cold" + i, new byte[10]);
            }
            assertThat(node.entryCount()).isEqualTo(BOUND);
            // What each policy evicts by, as the member keeps it (an entry view counts as no access).
            EntryView<Object, byte[]> hot = map.getEntryView("hot0");
            EntryView<Object, byte[]> cold = map.getEntryView("cold" + (BOUND - 21));
            if (eviction == Eviction.LFU) {
                assertThat(hot.getHits()).isEqualTo(5);
                assertThat(cold.getHits()).isZero();
            } else {
                assertThat(hot.getLastAccessTime()).isLessThan(cold.getLastAccessTime());
            }
            for (int i = 0; i < 3 * BOUND; i++) {
                map.set("new" + i, new byte[10]);
            }
            assertThat(node.entryCount()).isEqualTo(BOUND);
            return IntStream.range(0, 20).filter(i -> map.containsKey("hot" + i)).count();
        }
    }

    @Test
    void aTakenPortIsAClearStartError() {
        try (CacheNode first = TestNodes.start("port")) {
            assertThatThrownBy(() -> TestNodes.start("port-twin", first.config().port()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("cache node port-twin cannot listen on 127.0.0.1:" + first.config().port()
                            + ": Address already in use");
        }
    }

    @Test
    void configRejectsBadValuesByName() {
        assertThatThrownBy(() -> CacheNodeConfig.builder("bad name")).hasMessageContaining("\"bad name\"");
        assertThatThrownBy(() -> CacheNodeConfig.builder("a").port(70000)).hasMessage("port must be in 1..65535,"
                + " was 70000");
        assertThatThrownBy(() -> CacheNodeConfig.builder("a").ttl(Duration.ofMillis(1500)))
                .hasMessage("ttl must be zero or a positive whole number of seconds, was PT1.5S");
        assertThat(MaxSize.parse("256MB")).isEqualTo(MaxSize.heapMegabytes(256));
        assertThat(MaxSize.parse("100k")).isEqualTo(MaxSize.entries(100_000));
        assertThatThrownBy(() -> MaxSize.parse("lots")).hasMessageContaining("was \"lots\"");
    }

    @Test
    void commandLineRejectsBadOptionsWithUsageExitCode() {
        String err = captureErr(() -> assertThat(CacheNodeMain.run("--name", "a", "--port", "x")).isEqualTo(2));
        assertThat(err).contains("--port").contains("'x'");
        err = captureErr(() -> assertThat(CacheNodeMain.run("--name", "a", "--max-size", "12xy")).isEqualTo(2));
        assertThat(err).contains("was \"12xy\"");
        err = captureErr(() -> assertThat(CacheNodeMain.run("--name", "a", "--eviction", "FIFO")).isEqualTo(2));
        assertThat(err).contains("FIFO");
        err = captureErr(() -> assertThat(CacheNodeMain.run("--port", "5701")).isEqualTo(2));
        assertThat(err).contains("--name");
    }

    @Test
    void commandLineHelpListsTheOptionsTheExitCodesAndTheSecurityRules() {
        String out = captureOut(() -> assertThat(CacheNodeMain.run("--help")).isZero());
        assertThat(out).contains("--name", "--host", "--port", "--max-size", "--eviction", "--ttl", "--health-check",
                "--secret-file", "--allow-remote", "private network");
        assertThat(out).contains("0   stopped cleanly (SIGTERM or Ctrl-C)", "1   could not start",
                "2   invalid options");
    }

    @Test
    void anUnresolvableOrNonLoopbackHostIsAnInvalidOptionOnOneLine() {
        String err = captureErr(() -> assertThat(CacheNodeMain.run("--name", "a", "--host", "no-such-host.invalid"))
                .isEqualTo(2));
        assertThat(err.lines()).containsExactly("host \"no-such-host.invalid\" of cache node a does not resolve"
                + " (--help lists the options)");
        err = captureErr(() -> assertThat(CacheNodeMain.run("--name", "a", "--host", "192.0.2.1")).isEqualTo(2));
        assertThat(err.lines()).singleElement().asString()
                .contains("\"192.0.2.1\"", "is not loopback", "--allow-remote", "--secret-file");
    }

    @Test
    void healthCheckPresentsTheSecretFromTheSecretFile(@TempDir Path dir) throws IOException {
        Path secret = Files.writeString(dir.resolve("secret"), "correct horse battery staple\n");
        CacheNodeConfig config = CacheNodeConfig.builder("checked-" + TestNodes.freePort())
                .port(TestNodes.freePort()).secret("correct horse battery staple").build();
        try (CacheNode node = CacheNode.start(config)) {
            String port = Integer.toString(node.config().port());
            String out = captureOut(() -> assertThat(CacheNodeMain.run("--name", node.name(), "--port", port,
                    "--secret-file", secret.toString(), "--health-check")).isZero());
            assertThat(out).contains("healthy: cache node " + node.name());
            out = captureOut(() -> assertThat(CacheNodeMain.run("--name", node.name(), "--port", port,
                    "--health-check")).isEqualTo(1));
            assertThat(out).startsWith("unhealthy: cannot reach cache node '" + node.name() + "'")
                    .doesNotContain("correct horse");
        }
    }

    @Test
    void healthCheckSucceedsForARunningNodeAndFailsOtherwise() {
        try (CacheNode node = TestNodes.start("healthy")) {
            String out = captureOut(() -> assertThat(CacheNodeMain.run("--name", node.name(), "--port",
                    Integer.toString(node.config().port()), "--health-check")).isZero());
            assertThat(out).contains("healthy: cache node " + node.name());
        }
        int port = TestNodes.freePort();
        String out = captureOut(() -> assertThat(CacheNodeMain.run("--name", "gone", "--port",
                Integer.toString(port), "--health-check")).isEqualTo(1));
        assertThat(out).contains("unhealthy: cannot reach cache node 'gone'");
    }

    private static String captureOut(Runnable r) {
        return capture(r, true);
    }

    private static String captureErr(Runnable r) {
        return capture(r, false);
    }

    private static String capture(Runnable r, boolean out) {
        PrintStream saved = out ? System.out : System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        if (out) {
            System.setOut(ps);
        } else {
            System.setErr(ps);
        }
        try {
            r.run();
        } finally {
            if (out) {
                System.setOut(saved);
            } else {
                System.setErr(saved);
            }
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
