package io.ringroute.cache.node;

import io.ringroute.cache.NodeLink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Runs one cache node from the command line until SIGTERM (or Ctrl-C), then shuts it down gracefully and exits 0.
 * With {@code --health-check} it checks a running node instead and exits 0 when it answers. Every failure is one
 * line naming its cause, without a stack trace.
 */
@Command(name = "cache-node", mixinStandardHelpOptions = true, version = "ringroute cache-node 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Runs a ringroute cache node: one Hazelcast member that is its own one-member cluster.%n"
                + "Clients route keys to nodes with a consistent-hash ring (io.ringroute.cache.CacheCluster).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly (SIGTERM or Ctrl-C), or healthy (--health-check)",
                "1:could not start (port in use, host not on this machine), or unhealthy",
                "2:invalid options"},
        footerHeading = "%nSecurity:%n",
        footer = {"Binds loopback only unless --allow-remote. Open-source Hazelcast has no authentication but the",
                "cluster name and no TLS: a node reachable from other machines needs --secret-file (clients present",
                "the same secret) and must listen on a private network only. Java deserialization is refused."})
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

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "File whose first line is the secret clients must present (16+ characters; keep the file"
                    + " mode 0600). Required with --allow-remote.")
    private Path secretFile;

    @Option(names = "--allow-remote",
            description = "Allow a --host that is not loopback. Use on a private network only, with --secret-file.")
    private boolean allowRemote;

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
        return new CommandLine(new CacheNodeMain()).setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler((e, a) -> {
                    e.getCommandLine().getErr().println(e.getMessage() + " (--help lists the options)");
                    return e.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
                })
                .execute(args);
    }

    @Override
    public Integer call() throws InterruptedException {
        CacheNodeConfig config;
        String secret;
        try {
            CacheNodeConfig.Builder b = CacheNodeConfig.builder(name).host(host).port(port).maxSize(maxSize)
                    .eviction(eviction).ttl(ttl).allowRemote(allowRemote);
            secret = secretFile == null ? null : readSecret(secretFile);
            if (secret != null) {
                b.secret(secret);
            }
            config = b.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        return healthCheck ? check(config, secret) : serve(config);
    }

    /** The first line of the file; the message names the file, never its content. */
    private static String readSecret(Path file) {
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8);
            return content.lines().findFirst().orElse("");
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read --secret-file " + file + ": " + e);
        }
    }

    private int serve(CacheNodeConfig config) throws InterruptedException {
        CacheNode node;
        try {
            node = CacheNode.start(config);
        } catch (IllegalStateException | IllegalArgumentException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            int code = 0;
            try {
                node.close();
                spec.commandLine().getOut().printf("cache node %s stopped%n", config.name());
            } catch (RuntimeException e) {
                spec.commandLine().getErr().println("cache node " + config.name() + " did not stop cleanly: " + e);
                code = 1;
            }
            spec.commandLine().getOut().flush();
            spec.commandLine().getErr().flush();
            // After a signal the JVM would exit with 128 + its number once the hooks ran (143 for SIGTERM). The
            // node stopped as asked, so exit with the documented code instead. This process runs no other hooks.
            Runtime.getRuntime().halt(code);
        }, "cache-node-shutdown"));
        spec.commandLine().getOut().printf("cache node %s ready at %s (%s, %s, ttl %s)%n", config.name(),
                config.address(), config.maxSize(), config.eviction(), config.ttl());
        spec.commandLine().getOut().flush();
        new CountDownLatch(1).await(); // the shutdown hook ends the process
        return 0;
    }

    private int check(CacheNodeConfig config, String secret) {
        try (NodeLink link = NodeLink.opener(Duration.ofSeconds(3), secret).open(config.name(), config.address())) {
            int entries = link.size();
            spec.commandLine().getOut().printf("healthy: cache node %s at %s holds %d entries%n", config.name(),
                    config.address(), entries);
            return 0;
        } catch (RuntimeException e) {
            spec.commandLine().getOut().printf("unhealthy: %s%n", e.getMessage());
            return 1;
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
