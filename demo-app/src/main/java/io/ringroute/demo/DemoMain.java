package io.ringroute.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar ringroute-demo.jar [--config demo.properties] [--port 8080] [--load 200]} */
@Command(name = "ringroute-demo", mixinStandardHelpOptions = true,
        description = {"A small Twitter on a consistent-hash cache cluster and a sharded PostgreSQL,",
            "with a live view of the rings. Without --config it starts everything embedded."})
public final class DemoMain implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE",
            description = "A properties file (see demo-app/README.md); mode=external points at your own servers.")
    private Path config;

    @Option(names = "--host", paramLabel = "HOST", description = "Interface to serve on (default 127.0.0.1).")
    private String host;

    @Option(names = "--port", paramLabel = "PORT", description = "HTTP port (default 8080; 0 picks a free one).")
    private Integer port;

    @Option(names = "--load", paramLabel = "OPS", description = "Start the load generator at OPS operations/s.")
    private Integer load;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DemoMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        DemoConfig cfg;
        try {
            cfg = configure();
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("ringroute-demo: " + e.getMessage());
            return 2;
        }
        System.out.println("ringroute demo starting (" + cfg + ") ...");
        DemoApp app = DemoApp.create();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("ringroute demo stopping: servers, then their data directories ...");
            app.close();
            stopped.countDown();
        }, "demo-shutdown"));
        try {
            app.start(cfg);
        } catch (RuntimeException e) {
            System.err.println("ringroute-demo: could not start: " + e.getMessage());
            return 1;
        }
        System.out.println();
        System.out.println("  ringroute demo is up: " + app.url() + "   (operations view: " + app.url() + "#ops)");
        System.out.println("  Ctrl-C stops it and every server it started.");
        System.out.println();
        stopped.await();
        return 0;
    }

    private DemoConfig configure() throws IOException {
        DemoConfig.Builder b = config == null ? DemoConfig.builder() : DemoConfig.load(config);
        if (host != null) {
            b.host(host);
        }
        if (port != null) {
            b.port(port);
        }
        if (load != null) {
            b.loadRate(load);
        }
        return b.build();
    }
}
