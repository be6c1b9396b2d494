package io.ringroute.demo;

import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.invalidation.CacheInvalidator;
import io.ringroute.cache.invalidation.PurgeFollower;
import io.ringroute.cache.invalidation.PurgeList;
import io.ringroute.demo.social.Schema;
import io.ringroute.demo.social.SocialRowKeys;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.config.ServerSpec;
import io.ringroute.shard.config.ShardSpec;
import io.ringroute.shard.config.ShardTopology;
import io.ringroute.shard.reshard.Resharder;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded demo's cache invalidation from the write-ahead log: a {@link CacheInvalidator} on every running
 * shard's primary (started and stopped as shards come and go), the purge list in the topology catalog's database,
 * and this process's {@link PurgeFollower}. Writes still write through to the cache; the invalidator then deletes
 * what every committed row change made stale, whoever wrote it.
 */
public final class WalInvalidation implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalInvalidation.class);
    private static final Duration FOLLOW_SHARDS = Duration.ofSeconds(2);

    private final CacheCluster<?> cache;
    private final PurgeList purgeList;
    private final Supplier<ShardTopology> shards;
    private final PurgeFollower follower;
    private final Map<String, CacheInvalidator> running = new HashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-wal-invalidation");
        t.setDaemon(true);
        return t;
    });

    private WalInvalidation(CacheCluster<?> cache, PurgeList purgeList, Supplier<ShardTopology> shards) {
        this.cache = cache;
        this.purgeList = purgeList;
        this.shards = shards;
        this.follower = PurgeFollower.start(cache, purgeList, Duration.ofMillis(200));
    }

    /** Starts invalidating for the shards {@code shards} names now and later, purge list on {@code catalog}. */
    public static WalInvalidation start(CacheCluster<?> cache, ServerSpec catalog, Supplier<ShardTopology> shards) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(catalog.url());
        ds.setUser(catalog.user());
        ds.setPassword(catalog.password());
        ds.setConnectTimeout(5);
        ds.setSocketTimeout(10);
        WalInvalidation w = new WalInvalidation(cache, PurgeList.inPostgres(ds, "ringroute_cache"), shards);
        w.followShards();
        w.scheduler.scheduleWithFixedDelay(w::followShards, FOLLOW_SHARDS.toMillis(), FOLLOW_SHARDS.toMillis(),
                TimeUnit.MILLISECONDS);
        return w;
    }

    /**
     * Starts following {@code shard} now (not at the next tick) and waits until its invalidator holds its slot: from
     * then on every change committed there is followed. A shard must not take writes before that (a change
     * committed before the slot exists is never invalidated), so the demo calls this before resharding onto it.
     *
     * @throws IllegalStateException if the invalidator is not streaming within {@code timeout}
     */
    public void requireFollowing(String shard, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                followShards();
                CacheInvalidator inv;
                synchronized (this) {
                    inv = running.get(shard);
                }
                if (inv != null && inv.isActive()) {
                    return;
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new IllegalStateException("the cache invalidator of shard " + shard + " is not streaming"
                            + " after " + timeout.toSeconds() + " s" + (inv == null ? " (the shard is not listed)"
                            : ": it would miss that shard's changes"));
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cache invalidator of " + shard, e);
        }
    }

    private synchronized void followShards() {
        try {
            Map<String, ShardSpec> now = new HashMap<>();
            shards.get().shards().forEach(s -> now.put(s.name(), s));
            running.entrySet().removeIf(e -> {
                if (!now.containsKey(e.getKey())) {
                    e.getValue().close(); // a drained shard: its servers (and the slot) go with it
                    return true;
                }
                return false;
            });
            now.forEach((name, shard) -> running.computeIfAbsent(name, n -> startOn(shard)));
        } catch (RuntimeException e) {
            log.warn("following the shards for cache invalidation failed: {}", e.toString());
        }
    }

    private CacheInvalidator startOn(ShardSpec shard) {
        ServerSpec primary = shard.primary();
        log.debug("cache invalidator for shard {} on {}", shard.name(), primary.redactedUrl());
        CacheInvalidator.Builder b = CacheInvalidator.builder()
                .primary(primary.url(), primary.user(), primary.password());
        // Cache misses load from the standbys, which apply WAL late: delete only once they have the change.
        shard.replicas().forEach(r -> b.standby(r.url(), r.user(), r.password()));
        return b
                // The nodes start empty with the demo, and a shard added later starts empty: nothing cached can
                // predate its slot, so creating the slot need not empty the cache.
                .purgeOnNewSlot(false)
                // The resharder's copies and clean-ups change no value: skipping them keeps a resharding from
                // flooding the nodes with deletes (benchmarks/RESULTS-shard.md).
                .skipMarked(Resharder.INVALIDATION_MARKER)
                // One JVM runs every server and the load: a slow node is not a lost one (a miss marks it for purge).
                .callTimeout(Duration.ofSeconds(5))
                .tables(Schema.TABLES.stream().map(ShardedTable::name).toArray(String[]::new))
                .keys(new SocialRowKeys())
                .cache(cache)
                .purgeList(purgeList)
                .start();
    }

    @Override
    public void close() {
        scheduler.shutdown();
        synchronized (this) {
            running.values().forEach(CacheInvalidator::close);
            running.clear();
        }
        follower.close();
    }
}
