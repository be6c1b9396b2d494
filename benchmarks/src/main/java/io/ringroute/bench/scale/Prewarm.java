package io.ringroute.bench.scale;

import io.ringroute.demo.social.Session;
import io.ringroute.demo.social.Social;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * Reads every active user's timeline once before the load, so that the run measures a cache in its steady state
 * (the active users' timelines, following lists, followees' profiles and recent lists and the posts they show are
 * cached) instead of the first read of each of them: at a few hundred operations per second the warm-up alone
 * would reach each of 10,000 active users only a few times. It goes through the demo's own read path, as a first
 * visit of each user would.
 */
final class Prewarm {
    private Prewarm() {
    }

    /** Reads the timelines with {@code threads} threads; {@code progress} hears of each one read. */
    static void run(Social social, List<String> users, int threads, IntConsumer progress)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        Thread[] workers = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Thread(() -> {
                for (int u = next.getAndIncrement(); u < users.size(); u = next.getAndIncrement()) {
                    try {
                        social.timeline(users.get(u), Session.fresh());
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                    }
                    progress.accept(1);
                }
            }, "scale-prewarm-" + i);
            workers[i].setDaemon(true);
            workers[i].start();
        }
        for (Thread t : workers) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("prewarmed %,d timelines in %.1f s (%,.0f/s), %,d errors%n", users.size(), seconds,
                users.size() / seconds, errors.get());
    }
}
