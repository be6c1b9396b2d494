package io.ringroute.cache;

import io.ringroute.ring.ReplicaTable;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Which of a hot key's replicas to read first: the one this client has called least in the current window, ties
 * broken by the reading thread's random draw ("the power of d choices", Mitzenmacher 2001, with d = R and the
 * choice restricted to the key's replicas, which get every write). Counting every call a node served (reads and
 * writes of every key), the hot keys' reads fill in the nodes that cold keys and writes left below the others. A
 * window starts on about one choice in {@link #WINDOW} (the thread's own draw): the counts then are the baseline,
 * so a node that joined late or was ejected for a while does not draw every hot read until it has caught up.
 */
final class ReplicaLoad {

    static final int WINDOW = 8192;

    private final Supplier<Map<String, NodeClient>> clients;
    /** Each node's call count when the window started; a node missing here started it at 0. */
    private volatile Map<NodeClient, Long> baseline = Map.of();

    ReplicaLoad(Supplier<Map<String, NodeClient>> clients) {
        this.clients = clients;
    }

    /** The replica number (0 = primary) to read the key from first; 0 when none of them may serve it. */
    int leastLoaded(ReplicaTable<NodeClient> t, long token, int n, Object key) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Map<NodeClient, Long> since = baseline;
        int start = random.nextInt(n);
        int best = -1;
        long bestCalls = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            int k = start + i < n ? start + i : start + i - n;
            NodeClient c = t.replica(token, k);
            if (!c.readable(key)) {
                continue;
            }
            Long base = since.get(c);
            long calls = c.calls() - (base == null ? 0 : base);
            if (calls < bestCalls) {
                best = k;
                bestCalls = calls;
            }
        }
        if (random.nextInt(WINDOW) == 0) {
            restart();
        }
        return Math.max(best, 0);
    }

    private void restart() {
        Map<String, NodeClient> nodes = clients.get();
        if (nodes == null) {
            return;
        }
        Map<NodeClient, Long> now = new IdentityHashMap<>();
        nodes.values().forEach(c -> now.put(c, c.calls()));
        baseline = now;
    }
}
