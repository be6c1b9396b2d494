package io.ringroute.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringroute.demo.social.KeyValueCache;
import io.ringroute.demo.social.Post;
import io.ringroute.demo.social.Rejected;
import io.ringroute.demo.social.Rejected.Why;
import io.ringroute.demo.social.Session;
import io.ringroute.demo.social.Social;
import io.ringroute.demo.social.Timeline;
import io.ringroute.shard.RouterMetrics;
import io.ringroute.shard.ServerMetrics;
import io.ringroute.shard.ShardRouter;
import io.ringroute.shard.config.RouterConfig;
import io.ringroute.shard.config.ServerSpec;
import io.ringroute.shard.config.ShardSpec;
import io.ringroute.shard.config.ShardTopology;
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
 * followees: the router's own per-server read counters, on the demo's real shards, say how many reads it made. The
 * shards of a batch are read in parallel, and a batch with an unreachable shard caches nothing.
 */
@ExtendWith(DemoStack.class)
class BatchedTimelineTest {
    private static final int FOLLOWEES = 12;

    @Test
    void aTimelineMissReadsEachShardOnceForProfilesWithRecentPostsAndOnceForPosts() {
        KeyValueCache cache = DemoStack.app().cache();
        try (RouterDatabase db = new RouterDatabase(ShardRouter.builder().config(routerConfig(topology())).build())) {
            Social social = social(db, cache);
            Session session = Session.fresh();
            Followed f = followees(social, db, session);
            forget(cache, f);

            RouterMetrics before = db.router().metrics();
            Timeline timeline = social.timeline(f.reader, session);
            Map<String, Long> reads = readsPerShard(before, db.router().metrics());

            assertThat(timeline.cachedTimelineHit()).as("rebuilt, not served from the cache").isFalse();
            assertThat(timeline.posts().stream().map(Post::ref)).containsExactlyInAnyOrderElementsOf(f.refs);
            String readersShard = db.router().shardOf(f.reader);
            // Per shard: one read for the followees' profiles with their recent lists (the reader's own among them)
            // and one for the posts; on the reader's shard also the following list. One per followee would be 12+.
            reads.forEach((shard, n) -> assertThat(n).as("reads on " + shard)
                    .isBetween(1L, shard.equals(readersShard) ? 3L : 2L));
            assertThat(reads.keySet()).hasSize(DemoStack.SHARDS);
        }
    }

    /**
     * The shards of a batch are read at the same time: when one of them cannot be reached, the timeline fails with
     * the unavailable shard named, and what the other shards returned in the meantime is not cached (a later read
     * would otherwise take a part of a batch for the whole).
     */
    @Test
    void aShardUnreachableDuringABatchFailsTheTimelineNamingItAndCachesNothingTheOtherShardsRead() {
        KeyValueCache cache = DemoStack.app().cache();
        Session session = Session.fresh();
        Followed f;
        String down;
        try (RouterDatabase db = new RouterDatabase(ShardRouter.builder().config(routerConfig(topology())).build())) {
            f = followees(social(db, cache), db, session);
            String readersShard = db.router().shardOf(f.reader);
            down = f.authors.stream().map(a -> db.router().shardOf(a)).filter(s -> !s.equals(readersShard))
                    .findFirst().orElseThrow();
        }
        forget(cache, f);
        try (RouterDatabase broken = new RouterDatabase(ShardRouter.builder()
                .config(routerConfig(unreachable(topology(), down))).build())) {
            Social social = social(broken, cache);

            assertThatThrownBy(() -> social.timeline(f.reader, session))
                    .isInstanceOfSatisfying(Rejected.class, e -> assertThat(e.why()).isEqualTo(Why.UNAVAILABLE))
                    .hasMessageContaining(down);
            for (String a : f.authors) {
                assertThat(cache.get("profile:" + a)).as("profile of " + a + " (shard "
                        + broken.router().shardOf(a) + ") cached from a failed batch").isNull();
            }
            assertThat(cache.get("timeline:" + f.reader)).isNull();
        }
    }

    /** A reader following {@value #FOLLOWEES} authors spread over every shard, each with one post. */
    private static Followed followees(Social social, RouterDatabase db, Session session) {
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
        return new Followed(reader, authors, refs);
    }

    private record Followed(String reader, List<String> authors, List<String> refs) {
    }

    private static Social social(RouterDatabase db, KeyValueCache cache) {
        return new Social(db, cache, new ObjectMapper(), DemoStack.CELEBRITY_THRESHOLD, Duration.ofMinutes(10),
                Duration.ofMinutes(10), Duration.ofMinutes(5));
    }

    private static ShardTopology topology() {
        return DemoStack.app().servers().topology();
    }

    private static RouterConfig routerConfig(ShardTopology topology) {
        return new RouterConfig(topology, RouterConfig.DEFAULT_REPLICA_POLL_INTERVAL, Duration.ZERO,
                Optional.of(DemoStack.app().servers().catalog()));
    }

    /** The same shards, placed the same way, with every server of {@code shard} at a port nothing listens on. */
    private static ShardTopology unreachable(ShardTopology topology, String shard) {
        ShardTopology.Builder b = ShardTopology.builder().vnodesPerShard(topology.vnodesPerShard());
        topology.layout().ifPresent(b::layout);
        int port = 1;
        for (ShardSpec s : topology.shards()) {
            if (!s.name().equals(shard)) {
                b.shard(s);
                continue;
            }
            ShardSpec.Builder dead = ShardSpec.builder(s.name()).weight(s.weight()).primary(closedPort(port++));
            for (int i = 0; i < s.replicas().size(); i++) {
                dead.replica(closedPort(port++));
            }
            b.shard(dead.build());
        }
        return b.build();
    }

    private static ServerSpec closedPort(int port) {
        return ServerSpec.builder("jdbc:postgresql://127.0.0.1:" + port + "/postgres")
                .connectionTimeout(Duration.ofMillis(500)).build();
    }

    /** Deletes every cached entry the reader's timeline is made of, as if none had ever been read. */
    private static void forget(KeyValueCache cache, Followed f) {
        List<String> keys = new ArrayList<>(List.of("timeline:" + f.reader, "following:" + f.reader,
                "recent:" + f.reader, "profile:" + f.reader));
        for (String a : f.authors) {
            keys.addAll(List.of("profile:" + a, "recent:" + a));
        }
        f.refs.forEach(r -> keys.add("post:" + r));
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
