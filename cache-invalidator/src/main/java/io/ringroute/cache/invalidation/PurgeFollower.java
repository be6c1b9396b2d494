package io.ringroute.cache.invalidation;

import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.NodeLink;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of the {@link PurgeList}: every {@code interval} it reads the list, keeps each marked node of
 * the cache cluster's ring out of that client's reads until the client has emptied it
 * ({@link CacheCluster#requirePurge}), empties the node itself if it can reach it, and removes the mark at the
 * generation it read. Run one in every process that reads the cache (and beside each invalidator). A node the
 * invalidator could not reach may serve values it missed deletes for until this process's follower has read the
 * mark: at most one interval after the mark; from then on this process reads it only after emptying it.
 */
public final class PurgeFollower implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PurgeFollower.class);

    private final PurgeList list;
    private final CacheCluster<?> cache;
    private final NodeLinks links;
    /** The generation of each node's mark this process's client was last told to purge for. */
    private final Map<String, Long> required = new HashMap<>();
    private final ScheduledExecutorService scheduler;
    private final LongAdder purges = new LongAdder();
    private volatile boolean listFailing;

    private PurgeFollower(CacheCluster<?> cache, PurgeList list, NodeLink.Opener opener) {
        this.list = list;
        this.cache = cache;
        this.links = new NodeLinks(cache, opener, "ringroute-purge");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ringroute-purge-follower");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts following the list for the nodes of {@code cache}'s ring.
     *
     * @param interval how often to read the list: the bound on how long a marked node keeps being read
     */
    public static PurgeFollower start(CacheCluster<?> cache, PurgeList list, Duration interval) {
        return start(cache, list, interval, null);
    }

    /** As {@link #start(CacheCluster, PurgeList, Duration)}, for nodes started with a secret (never logged). */
    public static PurgeFollower start(CacheCluster<?> cache, PurgeList list, Duration interval, String secret) {
        if (cache == null || list == null) {
            throw new IllegalArgumentException("a purge follower needs a cache and a purge list, got " + cache
                    + " and " + list);
        }
        if (interval == null || interval.toMillis() < 10) {
            throw new IllegalArgumentException("interval must be >= 10ms, was " + interval);
        }
        PurgeFollower f = new PurgeFollower(cache, list, NodeLink.opener(Duration.ofSeconds(2), secret));
        f.scheduler.scheduleWithFixedDelay(f::purgeMarked, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return f;
    }

    /** Nodes emptied and unmarked by this follower so far. */
    public long purges() {
        return purges.sum();
    }

    private void purgeMarked() {
        List<PurgeMark> marks;
        try {
            marks = list.marks();
            if (listFailing) {
                LOG.info("purge list {} readable again", list);
                listFailing = false;
            }
        } catch (RuntimeException e) {
            if (!listFailing) {
                LOG.warn("purge list {} unreadable; marked nodes are not purged until it is: {}", list,
                        e.getMessage());
                listFailing = true;
            }
            return;
        }
        if (marks.isEmpty()) {
            return;
        }
        Map<String, NodeLink> nodes = links.current();
        for (PurgeMark mark : marks) {
            NodeLink link = nodes.get(mark.node());
            if (link == null) {
                continue; // not in this cluster's ring (another cluster, or removed): not ours to empty
            }
            keepOutOfReads(mark);
            Map<String, String> failed = links.onEach(List.of(link), NodeLink::clear);
            if (!failed.isEmpty()) {
                LOG.debug("marked cache node {} not purged yet: {}", mark.node(), failed.get(mark.node()));
                continue;
            }
            try {
                if (list.unmark(mark.node(), mark.generation())) {
                    purges.increment();
                    LOG.info("cache node {} purged (it had missed invalidations: {})", mark.node(), mark.reason());
                }
            } catch (RuntimeException e) {
                LOG.debug("cache node {} purged but not unmarked; it is purged again: {}", mark.node(),
                        e.getMessage());
            }
        }
    }

    /** Once per mark generation, so a mark that cannot be removed does not empty the node over and over. */
    private void keepOutOfReads(PurgeMark mark) {
        Long told = required.get(mark.node());
        if (told == null || told != mark.generation()) {
            try {
                cache.requirePurge(mark.node());
                required.put(mark.node(), mark.generation());
            } catch (IllegalArgumentException e) {
                LOG.debug("marked cache node {} left the ring meanwhile: {}", mark.node(), e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        links.close();
    }
}
