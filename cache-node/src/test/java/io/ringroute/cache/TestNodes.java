package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.node.CacheNodeConfig;
import io.ringroute.cache.node.MaxSize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Real in-process cache nodes for tests: free ports, few threads, quiet logs. */
public final class TestNodes {

    private static final AtomicInteger SEQ = new AtomicInteger();

    private TestNodes() {
    }

    /** A node with a unique name starting with {@code prefix}, on a free port, bounded generously. */
    public static CacheNode start(String prefix) {
        return start(prefix + "-" + SEQ.incrementAndGet(), freePort());
    }

    public static CacheNode start(String name, int port) {
        CacheNodeConfig.Builder b = CacheNodeConfig.builder(name).port(port).maxSize(MaxSize.entries(2_000_000))
                .ttl(Duration.ofHours(1));
        for (String p : List.of("hazelcast.io.thread.count", "hazelcast.operation.thread.count",
                "hazelcast.operation.generic.thread.count", "hazelcast.event.thread.count",
                "hazelcast.clientengine.thread.count", "hazelcast.clientengine.query.thread.count",
                "hazelcast.operation.response.thread.count")) {
            b.hazelcastProperty(p, "1");
        }
        b.hazelcastProperty("hazelcast.partition.count", "71");
        return CacheNode.start(b.build());
    }

    /** A cluster builder over the nodes (weight 1, no zone), with thread-light clients and short probes. */
    static CacheCluster.Builder<byte[]> cluster(List<CacheNode> nodes) {
        CacheCluster.Builder<byte[]> b = CacheCluster.builder()
                .probeBackoff(Duration.ofMillis(100), Duration.ofMillis(500))
                .callTimeout(Duration.ofSeconds(5)); // lost connections fail at once; this is for silent nodes
        for (String p : List.of("hazelcast.client.event.thread.count", "hazelcast.client.io.input.thread.count",
                "hazelcast.client.io.output.thread.count", "hazelcast.client.response.thread.count")) {
            b.clientProperty(p, "1");
        }
        nodes.forEach(n -> b.node(n.name(), n.address()));
        return b;
    }

    /** {@code count} keys "prefix:i" with distinct small values, in order. */
    static Map<String, byte[]> entries(String prefix, int count) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            out.put(prefix + ":" + i, ("value-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    /**
     * The command that runs {@code main} in a child JVM on this module's test class path, with this JVM's
     * --add-opens / --add-exports (the module's surefire argLine, which the node jar's manifest has).
     */
    public static List<String> javaCommand(Class<?> main) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> in = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < in.size(); i++) {
            String a = in.get(i);
            if (a.startsWith("--add-opens=") || a.startsWith("--add-exports=")) {
                command.add(a);
            } else if ((a.equals("--add-opens") || a.equals("--add-exports")) && i + 1 < in.size()) {
                command.add(a);
                command.add(in.get(++i));
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        return command;
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void closeAll(List<? extends AutoCloseable> all) {
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort in test teardown
            }
        }
    }
}
