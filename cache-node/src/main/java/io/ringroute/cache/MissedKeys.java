package io.ringroute.cache;

import io.ringroute.cache.wire.CacheKeys;
import io.ringroute.cache.wire.RangeEntries;
import io.ringroute.cache.wire.TokenRangePredicate;
import io.ringroute.cache.wire.Versioned;
import io.ringroute.cache.wire.VersionedWrite;
import com.hazelcast.map.IMap;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * What one node missed while it could not be written: the keys (past {@value #MAX_MISSED_KEYS} of them, the whole
 * node instead), and range drops that failed. A missed key is kept out of the node's reads and range exports until
 * {@link #repair} brought it up to date from the key's other replicas.
 */
final class MissedKeys {

    static final int MAX_MISSED_KEYS = 100_000;

    private final Set<Object> missed = ConcurrentHashMap.newKeySet();
    private final CopyOnWriteArrayList<TokenRangePredicate> pendingDrops = new CopyOnWriteArrayList<>();
    private volatile boolean purgeAll;

    /** True unless the key (or the whole node) is to be repaired first. */
    boolean readable(Object key) {
        return !purgeAll && (missed.isEmpty() || !missed.contains(CacheKeys.identity(key)));
    }

    void record(Object key) {
        if (missed.size() >= MAX_MISSED_KEYS) {
            purgeAll = true;
            missed.clear();
        }
        missed.add(CacheKeys.identity(key));
    }

    void recordAll(Collection<Object> keys) {
        keys.forEach(this::record);
    }

    /** Keeps the node out of all reads until {@link #repair} has emptied it. */
    void requirePurge() {
        purgeAll = true;
    }

    void dropFailed(TokenRangePredicate ranges) {
        pendingDrops.add(ranges);
    }

    int pendingDrops() {
        return pendingDrops.size();
    }

    boolean any() {
        return purgeAll || !missed.isEmpty() || !pendingDrops.isEmpty();
    }

    /** The exported entries without the missed keys (none at all when the node is to be emptied). */
    RangeEntries withoutMissed(RangeEntries all) {
        if (missed.isEmpty() && !purgeAll) {
            return all;
        }
        if (purgeAll) {
            return new RangeEntries();
        }
        return all.keeping(key -> !missed.contains(CacheKeys.identity(key)));
    }

    /**
     * Retries the failed range drops, then brings each missed key up to date on the node's map: the newest version
     * another replica holds is written if newer; a key no other replica holds is deleted. Empties the node instead
     * when it missed too many keys. {@code repaired} runs for each key written from elsewhere.
     */
    void repair(IMap<Object, byte[]> m, Function<Object, byte[]> newestElsewhere, long tombstoneTtlMillis,
                Runnable repaired) {
        for (TokenRangePredicate drop : pendingDrops) {
            m.removeAll(drop);
            pendingDrops.remove(drop);
        }
        if (purgeAll) {
            missed.clear(); // track again from here; the clear below covers everything missed before
            m.clear();
            purgeAll = false;
            return;
        }
        for (Object id : missed) {
            missed.remove(id); // before repairing: a write that fails meanwhile records it again
            try {
                Object key = CacheKeys.stored(id);
                byte[] newest = newestElsewhere.apply(key);
                if (newest == null) {
                    m.delete(key);
                } else {
                    m.executeOnKey(key, new VersionedWrite(newest, Versioned.isLive(newest)
                            ? -1 : tombstoneTtlMillis, false));
                    repaired.run();
                }
            } catch (RuntimeException e) {
                missed.add(id);
                throw e;
            }
        }
    }
}
