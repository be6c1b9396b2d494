package io.ringroute.demo.ops;

import io.ringroute.demo.social.Rejected;
import io.ringroute.demo.social.Session;
import io.ringroute.demo.social.Social;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sample data: three celebrity accounts most users follow (so their posts are merged on read), and ordinary users
 * who follow a handful of others (so theirs are fanned out). Deterministic per user count; idempotent.
 */
public final class Seeder {
    private static final Logger log = LoggerFactory.getLogger(Seeder.class);
    public static final List<String> CELEBRITIES = List.of("ringroute", "postgres", "hazelcast");
    private static final String[] NAMES = {"ada", "alan", "barbara", "bjarne", "dennis", "donald", "edsger", "frances",
        "grace", "guido", "james", "john", "ken", "leslie", "linus", "margaret", "niklaus", "radia", "tony", "yukihiro"};

    private Seeder() {
    }

    /** The ordinary users' ids for a given count: ada_1, alan_1, ... */
    public static List<String> ordinaryUsers(int count) {
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(NAMES[i % NAMES.length] + "_" + (i / NAMES.length + 1));
        }
        return ids;
    }

    public static void seed(Social social, int users) {
        if (users == 0) {
            return;
        }
        long start = System.nanoTime();
        List<String> ordinary = ordinaryUsers(users);
        Random random = new Random(42);
        List<List<String>> follows = new ArrayList<>();
        for (int i = 0; i < ordinary.size(); i++) {
            List<String> f = new ArrayList<>();
            for (String celeb : CELEBRITIES) {
                if (random.nextInt(100) < 70) {
                    f.add(celeb);
                }
            }
            for (int k = 0; k < 6; k++) {
                String other = ordinary.get(random.nextInt(ordinary.size()));
                if (!other.equals(ordinary.get(i)) && !f.contains(other)) {
                    f.add(other);
                }
            }
            follows.add(f);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            runAll(pool, CELEBRITIES, id -> create(social, id, "The " + id + " account"));
            runAll(pool, ordinary, id -> create(social, id, Character.toUpperCase(id.charAt(0))
                    + id.substring(1).replace('_', ' ')));
            List<Integer> indexes = new ArrayList<>();
            for (int i = 0; i < ordinary.size(); i++) {
                indexes.add(i);
            }
            runAll(pool, indexes, i -> {
                Session s = Session.fresh();
                for (String f : follows.get(i)) {
                    social.follow(ordinary.get(i), f, s);
                }
            });
            runAll(pool, CELEBRITIES, id -> {
                for (int k = 1; k <= 4; k++) {
                    social.post(id, "News #" + k + " from " + id + ": consistent hashing moves only K/N keys.",
                            Session.fresh());
                }
            });
            runAll(pool, ordinary, id -> {
                for (int k = 0; k < 2; k++) {
                    social.post(id, LoadGenerator.sentence(ThreadLocalRandom.current()), Session.fresh());
                }
            });
        } finally {
            pool.shutdownNow();
        }
        log.info("seeded {} users ({} celebrities) in {} ms", users + CELEBRITIES.size(), CELEBRITIES.size(),
                (System.nanoTime() - start) / 1_000_000);
    }

    private static void create(Social social, String id, String name) {
        try {
            social.createUser(id, name, "", Session.fresh());
        } catch (Rejected e) {
            if (e.why() != Rejected.Why.CONFLICT) {
                throw e;
            }
        }
    }

    private interface Step<T> {
        void run(T item);
    }

    private static <T> void runAll(ExecutorService pool, List<T> items, Step<T> step) {
        List<Future<?>> done = new ArrayList<>();
        for (T item : items) {
            done.add(pool.submit(() -> step.run(item)));
        }
        for (Future<?> f : done) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("seeding was interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("seeding failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
    }
}
