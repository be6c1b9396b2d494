package io.ringroute.bench.peers.sharding;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The per-call cost without concurrency or think time, as {@code ReadOverheadBenchmark} measures it: one thread reads
 * preloaded rows by key through every system in turn (the order rotating each time, so that none always runs warm),
 * each through a fresh session. Returns each system's latency histogram in ns.
 */
final class SequentialReads {

    private SequentialReads() {
    }

    static List<Histogram> run(List<SessionStore> stores, int users, int reads, long deadlineNanos)
            throws Exception {
        List<Histogram> result = new ArrayList<>();
        stores.forEach(s -> result.add(new Histogram(3)));
        int warmUp = Math.min(reads, 1000);
        for (int i = -warmUp; i < reads && System.nanoTime() < deadlineNanos; i++) {
            String key = SessionWorkload.key(Math.floorMod(i * 7919, users),
                    Math.floorMod(i, SessionWorkload.OWN_KEYS));
            for (int j = 0; j < stores.size(); j++) {
                int s = Math.floorMod(i + j, stores.size());
                SessionStore.StoreSession session = stores.get(s).session();
                long t0 = System.nanoTime();
                session.read(key);
                long nanos = System.nanoTime() - t0;
                if (i >= 0) {
                    result.get(s).recordValue(nanos);
                }
            }
        }
        return result;
    }
}
