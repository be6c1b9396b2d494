package io.ringroute.demo;

import java.time.Duration;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the embedded demo once per test JVM (2 shards with delayed standbys, 3 cache nodes, a little sample data)
 * and stops it when the JVM's tests are done. Test classes get it with {@code @ExtendWith(DemoStack.class)}.
 */
final class DemoStack implements BeforeAllCallback {
    /** The standbys' apply delay: long enough that a read right after a write would be stale. */
    static final Duration APPLY_DELAY = Duration.ofMillis(600);
    static final int CELEBRITY_THRESHOLD = 8;
    /** Shards and cache nodes the stack runs with: tests that add one remove it again before they end. */
    static final int SHARDS = 2;
    static final int CACHE_NODES = 3;

    private static DemoApp app;

    static synchronized DemoApp app() {
        if (app == null) {
            throw new IllegalStateException("DemoStack has not started: annotate the class with @ExtendWith");
        }
        return app;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        synchronized (DemoStack.class) {
            if (app == null) {
                DemoConfig config = DemoConfig.builder()
                        .port(0)
                        .shards(SHARDS)
                        .cacheNodes(CACHE_NODES)
                        .applyDelay(APPLY_DELAY)
                        .seedUsers(16)
                        .celebrityThreshold(CELEBRITY_THRESHOLD)
                        .build();
                app = DemoApp.launch(config);
                ExtensionContext.Store root = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL);
                root.put(DemoStack.class.getName(), (AutoCloseable) () -> {
                    synchronized (DemoStack.class) {
                        app.close();
                        app = null;
                    }
                });
            }
        }
    }
}
