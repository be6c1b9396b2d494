package io.ringroute.demo.ops;

import io.ringroute.demo.social.Post;
import io.ringroute.demo.social.Profile;
import io.ringroute.demo.social.Session;
import io.ringroute.demo.social.Social;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Traffic so that the numbers on the operations view move: a mix of timeline reads (70%), profile reads (10%),
 * posts (12%), likes (5%) and follow/unfollow (3%) by random users, paced to a target rate by a few worker
 * threads. Reads come from fresh sessions, so the router may send them to any replica.
 */
public final class LoadGenerator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoadGenerator.class);
    private static final int WORKERS = 4;
    private static final String[] WORDS = {"ring", "shard", "replica", "token", "cache", "vnode", "lag", "hash",
        "primary", "timeline", "fan-out", "merge", "warm", "move", "range", "epoch"};

    /** What the page shows about the generator. */
    public record Stats(boolean running, int targetRate, long ops, long errors, double opsPerSecond,
                        double p50Millis, double p99Millis, String lastError) {
    }

    private final Social social;
    private final AtomicLong ops = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final Recorder latency = new Recorder(3);
    private volatile List<String> users = List.of();
    private volatile String lastError = "";
    private volatile int targetRate;
    private Thread[] workers = new Thread[0];
    private long lastSampleOps;
    private long lastSampleNanos = System.nanoTime();
    private Stats lastStats = new Stats(false, 0, 0, 0, 0, 0, 0, "");

    public LoadGenerator(Social social) {
        this.social = social;
    }

    /** Starts (or re-paces) the generator at {@code opsPerSecond}. */
    public synchronized void start(int opsPerSecond) {
        if (opsPerSecond < 1 || opsPerSecond > 5000) {
            throw new IllegalArgumentException("load rate must be between 1 and 5000 operations per second, was "
                    + opsPerSecond);
        }
        targetRate = opsPerSecond;
        if (workers.length > 0) {
            return;
        }
        users = social.mostFollowed(500).stream().map(Profile::id).toList();
        if (users.size() < 2) {
            throw new IllegalStateException("the load generator needs at least two users; seed some first");
        }
        workers = new Thread[WORKERS];
        for (int i = 0; i < WORKERS; i++) {
            workers[i] = new Thread(this::work, "load-" + i);
            workers[i].setDaemon(true);
            workers[i].start();
        }
        log.info("load generator started at {} ops/s over {} users", opsPerSecond, users.size());
    }

    /** Lets each worker finish its operation in flight, so stopping never shows up as an error. */
    public synchronized void stop() {
        targetRate = 0;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        for (Thread t : workers) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (workers.length > 0) {
            log.info("load generator stopped after {} operations ({} errors)", ops.get(), errors.get());
        }
        workers = new Thread[0];
    }

    /**
     * Rate and latency are measured between calls at least half a second apart (the page and the history poll
     * about once a second); whether it runs, the target and the counts are always current.
     */
    public synchronized Stats stats() {
        long now = System.nanoTime();
        long total = ops.get();
        double seconds = (now - lastSampleNanos) / 1e9;
        if (seconds >= 0.5) {
            Histogram h = latency.getIntervalHistogram();
            double rate = (total - lastSampleOps) / seconds;
            lastSampleOps = total;
            lastSampleNanos = now;
            lastStats = new Stats(false, 0, 0, 0, rate,
                    h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50) / 1000.0,
                    h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99) / 1000.0, "");
        }
        boolean running = workers.length > 0;
        return new Stats(running, targetRate, total, errors.get(), running ? lastStats.opsPerSecond() : 0,
                lastStats.p50Millis(), lastStats.p99Millis(), lastError);
    }

    @Override
    public void close() {
        stop();
    }

    private void work() {
        long next = System.nanoTime();
        while (true) {
            int rate = targetRate;
            if (rate <= 0) {
                return;
            }
            long interval = TimeUnit.SECONDS.toNanos(1) * WORKERS / rate;
            next += interval;
            long now = System.nanoTime();
            if (next > now) {
                LockSupport.parkNanos(next - now);
                if (targetRate <= 0) {
                    return;
                }
            } else if (now - next > TimeUnit.SECONDS.toNanos(1)) {
                next = now; // fell behind by more than a second: drop the backlog rather than burst
            }
            long start = System.nanoTime();
            try {
                once(ThreadLocalRandom.current());
                latency.recordValue((System.nanoTime() - start) / 1000);
            } catch (RuntimeException e) {
                errors.incrementAndGet();
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            ops.incrementAndGet();
        }
    }

    private void once(ThreadLocalRandom r) {
        once(social, users, r);
    }

    /** The operations of the mix, drawn in the shares the class comment gives. */
    public enum Operation { TIMELINE, PROFILE, POST, LIKE, FOLLOW }

    /**
     * Runs one operation of the mix as a random one of {@code users} (at least two), from a fresh session, and says
     * which it was; the scale benchmark drives the same mix.
     */
    public static Operation once(Social social, List<String> users, Random r) {
        String user = users.get(r.nextInt(users.size()));
        Session session = Session.fresh();
        int dice = r.nextInt(100);
        if (dice < 70) {
            social.timeline(user, session);
            return Operation.TIMELINE;
        } else if (dice < 80) {
            social.profile(users.get(r.nextInt(users.size())), session);
            return Operation.PROFILE;
        } else if (dice < 92) {
            social.post(user, sentence(r), session);
            return Operation.POST;
        } else if (dice < 97) {
            List<Post> timeline = social.timeline(user, session).posts();
            if (!timeline.isEmpty()) {
                social.like(user, timeline.get(r.nextInt(timeline.size())).ref(), session);
            }
            return Operation.LIKE;
        }
        String other = users.get(r.nextInt(users.size()));
        if (!other.equals(user)) {
            if (social.following(user, session).contains(other)) {
                social.unfollow(user, other, session);
            } else {
                social.follow(user, other, session);
            }
        }
        return Operation.FOLLOW;
    }

    /** A post's text of a few ring words. */
    public static String sentence(Random r) {
        StringBuilder b = new StringBuilder();
        int words = 3 + r.nextInt(10);
        for (int i = 0; i < words; i++) {
            b.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        return b.append('.').toString();
    }
}
