package io.ringroute.cache;

import io.ringroute.ring.Node;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Runs one cache node from the command line until SIGTERM (or Ctrl-C), then shuts it down gracefully. With
 * {@code --health-check} it checks a running node instead and exits 0 when it answers.
 */
@Command(name = "cache-node", mixinStandardHelpOptions = true, version = "ringroute cache-node 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Runs a ringroute cache node: one Hazelcast member that is its own one-member cluster.%n"
                + "Clients route keys to nodes with a consistent-hash ring (io.ringroute.cache.CacheCluster).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly, or healthy (--health-check)", "1:failed to start, or unhealthy",
                "2:invalid options"})
public final class CacheNodeMain implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--name", required = true, paramLabel = "ID",
            description = "Node id, as clients list it; also names the node's one-member cluster.")
    private String name;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Interface to bind; the node listens on this address only (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", defaultValue = "5701", description = "Port (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--max-size", defaultValue = "100k", paramLabel = "SIZE", converter = MaxSizeConverter.class,
            description = "Entries (100000, 100k, 2m) or heap (256MB, 2GB) before eviction (default: "
                    + "${DEFAULT-VALUE}).")
    private MaxSize maxSize;

    @Option(names = "--eviction", defaultValue = "LRU", paramLabel = "POLICY",
            description = "LRU or LFU (default: ${DEFAULT-VALUE}).")
    private Eviction eviction;

    @Option(names = "--ttl", defaultValue = "1h", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Default time-to-live: 90s, 10m, 1h, 2d, or 0 for none (default: ${DEFAULT-VALUE}).")
    private Duration ttl;

    @Option(names = "--health-check",
            description = "Check the running node at --host/--port named --name and exit 0 if it answers, 1 if not.")
    private boolean healthCheck;

    public static void main(String[] args) {
        defaultLogLevel("org.slf4j.simpleLogger.log.com.hazelcast", "warn");
        // Only --health-check runs a client; its verdict is printed, its connection retries need not be.
        defaultLogLevel("org.slf4j.simpleLogger.log.com.hazelcast.client", "off");
        defaultLogLevel("org.slf4j.simpleLogger.showDateTime", "true");
        System.exit(run(args));
    }

    /** Parses and runs; returns the exit code. */
    static int run(String... args) {
        return new CommandLine(new CacheNodeMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public Integer call() throws InterruptedException {
        CacheNodeConfig config;
        try {
            config = CacheNodeConfig.builder(name).host(host).port(port).maxSize(maxSize).eviction(eviction)
                    .ttl(ttl).build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        return healthCheck ? check(config) : serve(config);
    }

    private int serve(CacheNodeConfig config) throws InterruptedException {
        CacheNode node;
        try {
            node = CacheNode.start(config);
        } catch (IllegalStateException | IllegalArgumentException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "cache-node-shutdown"));
        spec.commandLine().getOut().printf("cache node %s ready at %s (%s, %s, ttl %s)%n", config.name(),
                config.address(), config.maxSize(), config.eviction(), config.ttl());
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }

    private int check(CacheNodeConfig config) {
        Duration timeout = Duration.ofSeconds(3);
        ClientSettings settings = new ClientSettings(timeout, timeout, 1, timeout, timeout, Map.of());
        Node node = CacheCluster.nodeOf(config.name(), config.address(), 1.0, null);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (NodeClient client = new NodeClient(node, settings, scheduler, e -> { })) {
            client.connect();
            int entries = client.size();
            spec.commandLine().getOut().printf("healthy: cache node %s at %s holds %d entries%n", config.name(),
                    config.address(), entries);
            return 0;
        } catch (RuntimeException e) {
            spec.commandLine().getOut().printf("unhealthy: %s%n", e.getMessage());
            return 1;
        } finally {
            scheduler.shutdownNow();
        }
    }

    private static void defaultLogLevel(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /** Parses {@link MaxSize#parse} forms. */
    static final class MaxSizeConverter implements CommandLine.ITypeConverter<MaxSize> {
        @Override
        public MaxSize convert(String value) {
            try {
                return MaxSize.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Parses 90s, 10m, 1h, 2d, 0, or ISO-8601 (PT10M). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            try {
                if (v.equals("0")) {
                    return Duration.ZERO;
                }
                if (v.startsWith("p")) {
                    return Duration.parse(value.trim());
                }
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                switch (v.charAt(v.length() - 1)) {
                    case 's':
                        return Duration.ofSeconds(n);
                    case 'm':
                        return Duration.ofMinutes(n);
                    case 'h':
                        return Duration.ofHours(n);
                    case 'd':
                        return Duration.ofDays(n);
                    default:
                        break;
                }
            } catch (RuntimeException e) {
                // fall through to the message below
            }
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a duration: use 90s, 10m, 1h, 2d, 0 or ISO-8601 like PT10M");
        }
    }
}
