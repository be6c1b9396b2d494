package io.ringroute.shard.reshard;

import io.ringroute.shard.Consistency;
import io.ringroute.shard.Session;
import io.ringroute.shard.ShardRouter;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A writer thread that inserts, updates and deletes its own keys through a router and keeps a ledger of what must
 * exist: every update and delete must hit exactly one row, and a SESSION read right after each write must see it.
 */
final class LedgerWriter implements Runnable {

    final Map<String, Long> ledger = new ConcurrentHashMap<>();
    final Set<String> deleted = ConcurrentHashMap.newKeySet();
    final List<String> failures = new ArrayList<>();
    private final ShardRouter router;
    private final String prefix;
    private final AtomicBoolean running;
    private final Random random;
    private final AtomicInteger writes = new AtomicInteger();

    LedgerWriter(ShardRouter router, String prefix, AtomicBoolean running, long seed) {
        this.router = router;
        this.prefix = prefix;
        this.running = running;
        this.random = new Random(seed);
    }

    /** Writes acknowledged and read back so far: readable from another thread while this one runs. */
    int writes() {
        return writes.get();
    }

    /** A copy of the failures so far, readable while this writer runs. */
    List<String> failuresSoFar() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    @Override
    public void run() {
        Session session = router.session();
        List<String> live = new ArrayList<>(ledger.keySet());
        Set<String> gone = new HashSet<>(deleted);
        int next = ledger.size() + gone.size();
        while (running.get()) {
            try {
                double op = random.nextDouble();
                long value = random.nextInt(1_000_000_000);
                String key;
                if (live.size() < 30 || op < 0.4) {
                    key = prefix + "-" + next++;
                    String k = key;
                    int n = session.write(k, c -> update(c, "INSERT INTO accounts (k, v) VALUES (?, ?)", value, k));
                    expect(n == 1, "insert of " + k + " wrote " + n + " rows");
                    live.add(k);
                    ledger.put(k, value);
                } else if (op < 0.8) {
                    key = live.get(random.nextInt(live.size()));
                    String k = key;
                    int n = session.write(k, c -> update(c, "UPDATE accounts SET v = ? WHERE k = ?", value, k));
                    expect(n == 1, "update of " + k + " hit " + n + " rows");
                    ledger.put(k, value);
                } else {
                    key = live.remove(random.nextInt(live.size()));
                    String k = key;
                    int n = session.write(k, c -> {
                        try (PreparedStatement ps = c.prepareStatement("DELETE FROM accounts WHERE k = ?")) {
                            ps.setString(1, k);
                            return ps.executeUpdate();
                        }
                    });
                    expect(n == 1, "delete of " + k + " hit " + n + " rows");
                    ledger.remove(k);
                    deleted.add(k);
                }
                String k = key;
                Long seen = session.read(k, Consistency.SESSION, c -> {
                    try (PreparedStatement ps = c.prepareStatement("SELECT v FROM accounts WHERE k = ?")) {
                        ps.setString(1, k);
                        try (ResultSet rs = ps.executeQuery()) {
                            return rs.next() ? rs.getLong(1) : null;
                        }
                    }
                });
                expect(java.util.Objects.equals(seen, ledger.get(k)), "SESSION read of " + k + " saw " + seen
                        + ", ledger has " + ledger.get(k));
                writes.incrementAndGet();
            } catch (Exception e) {
                synchronized (failures) {
                    failures.add(prefix + ": " + e);
                }
            }
        }
    }

    private static int update(java.sql.Connection c, String sql, long value, String key) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (sql.startsWith("INSERT")) {
                ps.setString(1, key);
                ps.setLong(2, value);
            } else {
                ps.setLong(1, value);
                ps.setString(2, key);
            }
            return ps.executeUpdate();
        }
    }

    private void expect(boolean ok, String what) {
        if (!ok) {
            synchronized (failures) {
                failures.add(prefix + ": " + what);
            }
        }
    }
}
