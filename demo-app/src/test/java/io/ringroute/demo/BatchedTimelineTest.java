package io.ringroute.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringroute.demo.social.KeyValueCache;
import io.ringroute.demo.social.Post;
import io.ringroute.demo.social.Session;
import io.ringroute.demo.social.Social;
import io.ringroute.demo.social.Timeline;
import io.ringroute.shard.RouterMetrics;
import io.ringroute.shard.ServerMetrics;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.config.RouterConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A timeline rebuilt from nothing in the cache reads each shard a fixed number of times, whatever the number of
 * followees: the router's own per-server read counters, on the demo's real shards, say how many reads it made.
 */
@ExtendWith(DemoStack.class)
class BatchedTimelineTest {
    private static final int FOLLOWEES = 12;

    @Test
    void aTimelineMissReadsEachShardOnceForProfilesOnceForRecentPostsAndOnceForPosts() {
        EmbeddedServers servers = DemoStack.app().servers();
        RouterConfig config = new RouterConfig(servers.topology(), RouterConfig.DEFAULT_REPLICA_POLL_INTERVAL,
                Duration.ZERO, Optional.of(servers.catalog()));
        KeyValueCache cache = DemoStack.app().cache();
        try (RouterDatabase db = new RouterDatabase(ShardRouter.builder().config(config).build())) {
            Social social = new Social(db, cache, new ObjectMapper(), DemoStack.CELEBRITY_THRESHOLD,
                    Duration.ofMinutes(10), Duration.ofMinutes(10), Duration.ofMinutes(5));
            Session session = Session.fresh();
            String tag = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
            String reader = "br_" + tag;
            social.createUser(reader, "Reader", "", session);
            List<String> authors = new ArrayList<>();
            List<String> refs = new ArrayList<>();
            for (int i = 0; i < FOLLOWEES; i++) {
                String author = "ba" + i + "_" + tag;
                social.createUser(author, "Author " + i, "", session);
                refs.add(social.post(author, "post " + i, session).ref());
                social.follow(reader, author, session);
                authors.add(author);
            }
            assertThat(authors.stream().map(a -> db.router().shardOf(a)).distinct())
                    .as("the followees live on every shard").hasSize(DemoStack.SHARDS);
            forget(cache, reader, authors, refs);

            RouterMetrics before = db.router().metrics();
            Timeline timeline = social.timeline(reader, session);
            Map<String, Long> reads = readsPerShard(before, db.router().metrics());

            assertThat(timeline.cachedTimelineHit()).as("rebuilt, not served from the cache").isFalse();
            assertThat(timeline.posts().stream().map(Post::ref)).containsExactlyInAnyOrderElementsOf(refs);
            String readersShard = db.router().shardOf(reader);
            // Per shard: one read each for the followees' profiles, the recent lists (the reader's own among them)
            // and the posts; on the reader's shard also the following list. One read per followee would be 12+.
            reads.forEach((shard, n) -> assertThat(n).as("reads on " + shard)
                    .isBetween(1L, shard.equals(readersShard) ? 4L : 3L));
            assertThat(reads.keySet()).hasSize(DemoStack.SHARDS);
        }
    }

    /** Deletes every cached entry the reader's timeline is made of, as if none had ever been read. */
    private static void forget(KeyValueCache cache, String reader, List<String> authors, List<String> refs) {
        List<String> keys = new ArrayList<>(List.of("timeline:" + reader, "following:" + reader, "recent:" + reader,
                "profile:" + reader));
        for (String a : authors) {
            keys.addAll(List.of("profile:" + a, "recent:" + a));
        }
        refs.forEach(r -> keys.add("post:" + r));
        keys.forEach(cache::delete);
    }

    private static Map<String, Long> readsPerShard(RouterMetrics before, RouterMetrics after) {
        Map<String, Long> then = before.servers().stream()
                .collect(Collectors.toMap(s -> s.shard() + "/" + s.server(), ServerMetrics::reads));
        Map<String, Long> reads = new TreeMap<>();
        for (ServerMetrics s : after.servers()) {
            long n = s.reads() - then.getOrDefault(s.shard() + "/" + s.server(), 0L);
            if (n > 0) {
                reads.merge(s.shard(), n, Long::sum);
            }
        }
        return reads;
    }
}
