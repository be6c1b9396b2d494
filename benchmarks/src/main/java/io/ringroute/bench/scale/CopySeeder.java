package io.ringroute.bench.scale;

import io.ringroute.demo.ops.LoadGenerator;
import io.ringroute.ring.KeyHash;
import io.ringroute.shard.ShardRouter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes the demo's rows for a follow graph and a set of posts straight into every shard primary with {@code COPY}
 * (pgjdbc's CopyManager), one thread and one connection per shard. Each row goes to the shard the router names for
 * its user ({@link ShardRouter#shardOf}) with that user's ring token in its token column, exactly as a write
 * through the router would place it. Counters (followers, following, posts) agree with the rows.
 */
final class CopySeeder {
    private static final int FLUSH_BYTES = 1 << 18;
    /** Posts are spread over the 30 days before the seed, oldest first. */
    private static final long SPAN_MILLIS = 30L * 24 * 3600 * 1000;

    private final List<String> ids;
    private final FollowGraph graph;
    private final int[] postAuthors;
    private final int[] postCounts;
    private final List<String> shards;
    private final int[] shardOfUser;
    private final long[] tokens;
    private final long firstMillis;
    private final long seed;

    private CopySeeder(List<String> ids, FollowGraph graph, int[] postAuthors, List<String> shards,
                       int[] shardOfUser, long[] tokens, long seed) {
        this.ids = ids;
        this.shards = shards;
        this.graph = graph;
        this.postAuthors = postAuthors;
        this.shardOfUser = shardOfUser;
        this.tokens = tokens;
        this.seed = seed;
        this.postCounts = new int[ids.size()];
        for (int a : postAuthors) {
            postCounts[a]++;
        }
        this.firstMillis = System.currentTimeMillis() - SPAN_MILLIS;
    }

    /** Routes every user once through {@code router}; posts get uniformly random authors (deterministic per seed). */
    static CopySeeder plan(List<String> ids, FollowGraph graph, long posts, ShardRouter router, long seed) {
        if (posts > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("at most " + (Integer.MAX_VALUE - 8) + " posts, was " + posts);
        }
        List<String> shards = new ArrayList<>();
        int[] shardOf = new int[ids.size()];
        long[] tokens = new long[ids.size()];
        for (int u = 0; u < ids.size(); u++) {
            String shard = router.shardOf(ids.get(u));
            int i = shards.indexOf(shard);
            if (i < 0) {
                i = shards.size();
                shards.add(shard);
            }
            shardOf[u] = i;
            tokens[u] = KeyHash.token(ids.get(u));
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] authors = new int[(int) posts];
        for (int p = 0; p < authors.length; p++) {
            authors[p] = random.nextInt(ids.size());
        }
        return new CopySeeder(ids, graph, authors, List.copyOf(shards), shardOf, tokens, seed);
    }

    /** Rows all tables together hold: users, following and followers, posts. */
    long rows() {
        return ids.size() + 2 * graph.edges() + postAuthors.length;
    }

    /** The shards that own at least one user. */
    List<String> shards() {
        return shards;
    }

    /**
     * Copies into every shard in parallel, on the given connection to each shard's primary (one for every name
     * {@link #shards()} lists); {@code progress} hears rows written.
     */
    void copy(Map<String, Connection> primaries, LongConsumer progress) throws SQLException {
        ExecutorService pool = Executors.newFixedThreadPool(shards.size());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < shards.size(); i++) {
                int shard = i;
                Connection c = primaries.get(shards.get(i));
                if (c == null) {
                    throw new IllegalArgumentException("no connection to shard " + shards.get(i));
                }
                done.add(pool.submit(() -> {
                    copyShard(shard, c, progress);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("seeding was interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException s) {
                throw s;
            }
            throw new IllegalStateException("seeding failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private void copyShard(int shard, Connection c, LongConsumer progress) throws SQLException {
        int users = ids.size();
        try (Rows out = new Rows(c, "users (id, name, bio, followers, following, posts, version, ring_token)",
                progress)) {
            for (int u = 0; u < users; u++) {
                if (shardOfUser[u] == shard) {
                    out.field(ids.get(u)).field(ids.get(u)).field("").field(graph.followerCount(u))
                            .field(graph.followingCount(u)).field(postCounts[u]).field(1).last(tokens[u]);
                }
            }
        }
        try (Rows out = new Rows(c, "following (user_id, followee, ring_token)", progress)) {
            for (int u = 0; u < users; u++) {
                if (shardOfUser[u] == shard) {
                    for (int i = 0, n = graph.followingCount(u); i < n; i++) {
                        out.field(ids.get(u)).field(ids.get(graph.followee(u, i))).last(tokens[u]);
                    }
                }
            }
        }
        try (Rows out = new Rows(c, "followers (user_id, follower, ring_token)", progress)) {
            for (int u = 0; u < users; u++) {
                for (int i = 0, n = graph.followingCount(u); i < n; i++) {
                    int f = graph.followee(u, i);
                    if (shardOfUser[f] == shard) {
                        out.field(ids.get(f)).field(ids.get(u)).last(tokens[f]);
                    }
                }
            }
        }
        Random words = new Random(seed + shard);
        double step = (double) SPAN_MILLIS / Math.max(1, postAuthors.length);
        try (Rows out = new Rows(c, "posts (author, id, text, created_at, likes, ring_token)", progress)) {
            for (int p = 0; p < postAuthors.length; p++) {
                int a = postAuthors[p];
                if (shardOfUser[a] == shard) {
                    long created = firstMillis + (long) (p * step);
                    out.field(ids.get(a)).field((created << 12) + (p & 0xFFF))
                            .field(LoadGenerator.sentence(words)).field(created).field(0).last(tokens[a]);
                }
            }
        }
    }

    /**
     * One table's COPY on one connection, in PostgreSQL's text format. The values written here never hold a tab,
     * newline or backslash (ids are [a-z0-9_], texts are words), so nothing needs escaping.
     */
    private static final class Rows implements AutoCloseable {
        private final CopyIn copy;
        private final LongConsumer progress;
        private final StringBuilder buffer = new StringBuilder(FLUSH_BYTES + 1024);
        private long pending;

        Rows(Connection c, String tableAndColumns, LongConsumer progress) throws SQLException {
            this.copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + tableAndColumns + " FROM STDIN");
            this.progress = progress;
        }

        Rows field(String value) {
            buffer.append(value).append('\t');
            return this;
        }

        Rows field(long value) {
            buffer.append(value).append('\t');
            return this;
        }

        void last(long value) throws SQLException {
            buffer.append(value).append('\n');
            pending++;
            if (buffer.length() >= FLUSH_BYTES) {
                flush();
            }
        }

        private void flush() throws SQLException {
            byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
            copy.writeToCopy(bytes, 0, bytes.length);
            buffer.setLength(0);
            progress.accept(pending);
            pending = 0;
        }

        @Override
        public void close() throws SQLException {
            try {
                flush();
                copy.endCopy();
            } finally {
                if (copy.isActive()) {
                    copy.cancelCopy();
                }
            }
        }
    }
}
