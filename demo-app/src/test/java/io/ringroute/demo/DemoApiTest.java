package io.ringroute.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringroute.demo.social.Profile;
import io.ringroute.shard.config.ShardSpec;
import io.ringroute.shard.embedded.EmbeddedShard;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The JSON API against the embedded stack: real PostgreSQL shards with lagging standbys, real cache nodes. */
@ExtendWith(DemoStack.class)
class DemoApiTest {
    private static final AtomicInteger USERS = new AtomicInteger();

    private static String newUser(Http http) {
        String id = "t" + System.nanoTime() % 1_000_000 + "_" + USERS.incrementAndGet();
        Http.Response r = http.post("/api/users", Http.json(Map.of("id", id, "name", "Tester " + id)));
        assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
        return id;
    }

    private static List<String> texts(JsonNode posts) {
        List<String> out = new ArrayList<>();
        posts.forEach(p -> out.add(p.get("text").asText()));
        return out;
    }

    @Test
    void aUserCanBeCreatedReadAndNotCreatedTwice() {
        Http http = Http.anonymous();
        String id = newUser(http);
        Http.Response profile = http.get("/api/users/" + id);
        assertThat(profile.status()).isEqualTo(200);
        assertThat(profile.body().get("name").asText()).isEqualTo("Tester " + id);
        Http.Response again = http.post("/api/users", Http.json(Map.of("id", id, "name", "Someone else")));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).contains("'" + id + "' is taken");
    }

    @Test
    void aPostIsInTheAuthorsNextTimelineAlthoughTheReplicasLag() throws Exception {
        for (int i = 0; i < 3; i++) {
            Http http = Http.anonymous();
            String id = newUser(http);
            String text = "read your writes #" + i;
            // Replay paused on the author's standbys: they are certainly behind the write, whatever the machine's load.
            try (ReplayPause paused = ReplayPause.on(authorsShard(id))) {
                Http.Response posted = http.post("/api/users/" + id + "/posts", Http.json(Map.of("text", text)));
                assertThat(posted.status()).isEqualTo(201);
                assertThat(replicaHasPost(id, posted.body().get("id").asLong()))
                        .as("the post is not on the author's standby yet").isFalse();
                Http.Response timeline = http.get("/api/users/" + id + "/timeline");
                assertThat(texts(timeline.body().get("posts"))).as("timeline right after posting").contains(text);
                assertThat(texts(http.get("/api/users/" + id + "/posts").body())).contains(text);
            }
        }
    }

    @Test
    void aSessionNeverGetsACachedProfileOlderThanItsOwnEdit() throws Exception {
        Http http = Http.anonymous();
        String id = newUser(http);
        Http.Response edited = http.patch("/api/users/" + id, Http.json(Map.of("bio", "fresh bio")));
        assertThat(edited.status()).isEqualTo(200);
        long version = edited.body().get("version").asLong();
        WalInvalidationTest.awaitInvalidated(); // else the edit's invalidation could delete the plant below
        // Plant what a lagging reader could have cached a moment earlier: the profile before the edit.
        Profile stale = new Profile(id, "Tester " + id, "stale bio", 0, 0, 0, version - 1);
        DemoStack.app().cache().put("profile:" + id, new ObjectMapper().writeValueAsBytes(stale),
                Duration.ofMinutes(1));

        // Without the token the cached copy is good enough: that is eventual consistency, and why the token exists.
        assertThat(Http.anonymous().get("/api/users/" + id).body().get("bio").asText()).isEqualTo("stale bio");
        assertThat(http.get("/api/users/" + id).body().get("bio").asText()).isEqualTo("fresh bio");
    }

    @Test
    void aFollowShowsInTheFollowersNextRequestsAndAnUnfollowRemovesIt() {
        Http author = Http.anonymous();
        String writer = newUser(author);
        author.post("/api/users/" + writer + "/posts", Http.json(Map.of("text", "posted before the follow")));

        Http http = Http.anonymous();
        String reader = newUser(http);
        Http.Response followed = http.post("/api/users/" + reader + "/following", Http.json(Map.of("user", writer)));
        assertThat(followed.status()).isEqualTo(200);
        assertThat(followed.body().get("following").asLong()).isEqualTo(1);
        // The follow's WAL invalidation drops the reader's cached timeline once the standby has it: let it land
        // first, else it could drop the timeline the next post fans out into, and the reload read a lagging replica.
        WalInvalidationTest.awaitInvalidated();
        assertThat(http.get("/api/users/" + reader + "/following").body().toString()).contains(writer);
        assertThat(texts(http.get("/api/users/" + reader + "/timeline").body().get("posts")))
                .contains("posted before the follow");
        assertThat(http.get("/api/users/" + writer).body().get("followers").asLong()).isEqualTo(1);

        // Ordinary authors fan out on write into their followers' cached timelines.
        author.post("/api/users/" + writer + "/posts", Http.json(Map.of("text", "fanned out")));
        JsonNode timeline = http.get("/api/users/" + reader + "/timeline").body();
        assertThat(texts(timeline.get("posts"))).contains("fanned out");
        assertThat(timeline.get("cachedTimelineHit").asBoolean()).isTrue();

        assertThat(http.delete("/api/users/" + reader + "/following/" + writer).status()).isEqualTo(200);
        assertThat(http.get("/api/users/" + reader + "/following").body()).isEmpty();
        assertThat(texts(http.get("/api/users/" + reader + "/timeline").body().get("posts"))).isEmpty();
    }

    @Test
    void aCelebritysPostIsMergedIntoTimelinesOnReadNotFannedOut() {
        Http celeb = Http.anonymous();
        String star = newUser(celeb);
        List<Http> fans = new ArrayList<>();
        List<String> fanIds = new ArrayList<>();
        for (int i = 0; i < DemoStack.CELEBRITY_THRESHOLD; i++) {
            Http fan = Http.anonymous();
            String id = newUser(fan);
            fan.post("/api/users/" + id + "/following", Http.json(Map.of("user", star)));
            fans.add(fan);
            fanIds.add(id);
        }
        assertThat(celeb.get("/api/users/" + star).body().get("followers").asLong())
                .isEqualTo(DemoStack.CELEBRITY_THRESHOLD);
        // Whether a fan's timeline counts the star as a celebrity follows the star's follower count as the fan's
        // reads see it: only the fan's own follow is guaranteed there. The WAL invalidator deletes the cached
        // profile after each follow, and a reload between two of those deletes may come from a standby that has
        // the one but not the next; once every follow's delete is delivered, a reload sees them all.
        WalInvalidationTest.awaitInvalidated();
        celeb.post("/api/users/" + star + "/posts", Http.json(Map.of("text", "a celebrity speaks")));

        JsonNode timeline = fans.get(0).get("/api/users/" + fanIds.get(0) + "/timeline").body();
        assertThat(texts(timeline.get("posts"))).contains("a celebrity speaks");
        assertThat(timeline.get("mergedCelebrities").toString()).contains(star);
        assertThat(timeline.get("fannedOut").asInt()).isZero();
    }

    @Test
    void aLikeCountsOncePerUser() {
        Http http = Http.anonymous();
        String author = newUser(http);
        String fan = newUser(http);
        long postId = http.post("/api/users/" + author + "/posts", Http.json(Map.of("text", "like me")))
                .body().get("id").asLong();
        String path = "/api/posts/" + author + "/" + postId + "/likes";
        assertThat(http.post(path, Http.json(Map.of("user", fan))).body().get("likes").asLong()).isEqualTo(1);
        assertThat(http.post(path, Http.json(Map.of("user", fan))).body().get("likes").asLong()).isEqualTo(1);
        assertThat(http.post(path, Http.json(Map.of("user", author))).body().get("likes").asLong()).isEqualTo(2);
    }

    @Test
    void a280CharacterPostOfEmojiIsAcceptedBecauseLengthCountsCodePoints() {
        Http http = Http.anonymous();
        String id = newUser(http);
        String text = "\uD83D\uDE00".repeat(280);
        Http.Response r = http.post("/api/users/" + id + "/posts", Http.json(Map.of("text", text)));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.body().get("text").asText()).isEqualTo(text);
    }

    static Stream<Arguments> badRequests() {
        String post = "/api/users/ada_1/posts";
        return Stream.of(
                Arguments.of("281 characters", "POST", post, Http.json(Map.of("text", "\uD83D\uDE00".repeat(281))),
                        400, "281 characters long; the limit is 280"),
                Arguments.of("empty text", "POST", post, "{\"text\":\"\"}", 400, "post text is empty"),
                Arguments.of("blank text", "POST", post, "{\"text\":\"  \\n \"}", 400, "post text is empty"),
                Arguments.of("missing field", "POST", post, "{}", 400, "field 'text' is missing"),
                Arguments.of("wrong type", "POST", post, "{\"text\":5}", 400, "'text' must be a string, was number"),
                Arguments.of("unknown field", "POST", post, "{\"txt\":\"hi\"}", 400, "unknown field 'txt'"),
                Arguments.of("malformed JSON", "POST", post, "{\"text\":", 400, "not valid JSON"),
                Arguments.of("not an object", "POST", post, "[\"hi\"]", 400, "must be a JSON object"),
                Arguments.of("empty body", "POST", post, "", 400, "request body is empty"),
                Arguments.of("duplicate field", "POST", post, "{\"text\":\"a\",\"text\":\"b\"}", 400,
                        "Duplicate field 'text'"),
                Arguments.of("control character", "POST", post, "{\"text\":\"a\\u0000b\"}", 400,
                        "control character U+0000"),
                Arguments.of("unknown author", "POST", "/api/users/nobody_here/posts", "{\"text\":\"hi\"}", 404,
                        "unknown user 'nobody_here'"),
                Arguments.of("invalid user id", "GET", "/api/users/Not-Valid", null, 400,
                        "must be 2 to 20 characters of a-z, 0-9 and _"),
                Arguments.of("unknown profile", "GET", "/api/users/nobody_here", null, 404, "unknown user"),
                Arguments.of("unknown timeline", "GET", "/api/users/nobody_here/timeline", null, 404,
                        "unknown user"),
                Arguments.of("follow unknown", "POST", "/api/users/ada_1/following", "{\"user\":\"nobody_here\"}",
                        404, "unknown user 'nobody_here'"),
                Arguments.of("follow self", "POST", "/api/users/ada_1/following", "{\"user\":\"ada_1\"}", 400,
                        "cannot follow themselves"),
                Arguments.of("like unknown post", "POST", "/api/posts/ada_1/12345/likes", "{\"user\":\"alan_1\"}",
                        404, "unknown post 'ada_1/12345'"),
                Arguments.of("like bad post id", "POST", "/api/posts/ada_1/xyz/likes", "{\"user\":\"alan_1\"}",
                        400, "is not a number"),
                Arguments.of("bad name", "POST", "/api/users", "{\"id\":\"new_one\",\"name\":\"\"}", 400,
                        "name is empty"),
                Arguments.of("empty edit", "PATCH", "/api/users/ada_1", "{}", 400, "nothing to change"),
                Arguments.of("bad limit", "GET", "/api/users?limit=many", null, 400,
                        "'limit' must be an integer between 1 and 200"),
                Arguments.of("unknown endpoint", "GET", "/api/nothing", null, 404, "no such endpoint"),
                Arguments.of("bad load rate", "POST", "/api/ops/load", "{\"rate\":0}", 400,
                        "load rate must be between 1 and 5000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badInputGetsA4xxNamingWhatWasWrong(String name, String method, String path, String body, int status,
                                           String message) {
        Http http = Http.anonymous();
        Http.Response r = switch (method) {
            case "GET" -> http.get(path);
            case "PATCH" -> http.patch(path, body);
            default -> http.post(path, body);
        };
        assertThat(r.status()).as(r.body().toString()).isEqualTo(status);
        assertThat(r.error()).contains(message);
    }

    @Test
    void invalidUtf8IsRefusedNotReplaced() {
        Http http = Http.anonymous();
        String id = newUser(http);
        byte[] body = "{\"text\":\"caf\u00e9 X\"}".getBytes(StandardCharsets.UTF_8);
        body[body.length - 3] = (byte) 0xC3; // a lead byte followed by '"': malformed
        Http.Response r = http.post("/api/users/" + id + "/posts", body);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).contains("not valid UTF-8").contains("offset " + (body.length - 3));
        assertThat(http.get("/api/users/" + id).body().get("posts").asLong()).as("nothing written").isZero();
    }

    @Test
    void aMalformedConsistencyTokenIsRefused() {
        Http.Response r = Http.anonymous().getWithToken("/api/users/ada_1", "not-a-token");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).contains("consistency token is malformed");
    }

    @Test
    void aRefusedPostWritesNothing() {
        Http http = Http.anonymous();
        String id = newUser(http);
        assertThat(http.post("/api/users/" + id + "/posts", Http.json(Map.of("text", "x".repeat(281)))).status())
                .isEqualTo(400);
        JsonNode profile = http.get("/api/users/" + id).body();
        assertThat(profile.get("posts").asLong()).isZero();
        assertThat(http.get("/api/users/" + id + "/posts").body()).isEmpty();
    }

    @Test
    void theOperationsSnapshotShowsBothRingsAndTheLoadGeneratorMovesTheNumbers() throws Exception {
        Http http = Http.anonymous();
        JsonNode ops = http.get("/api/ops").body();
        // the tests that add cache nodes or shards remove them again before they end
        assertThat(ops.get("mode").asText()).isEqualTo("embedded");
        assertThat(ops.at("/cache/nodes").size()).isEqualTo(DemoStack.CACHE_NODES);
        assertThat(ops.at("/cache/ring/arcs").size()).isGreaterThan(DemoStack.CACHE_NODES);
        assertThat(ops.at("/shards/shards").size()).isEqualTo(DemoStack.SHARDS);
        assertThat(ops.at("/shards/shards/0/replicas").size()).isEqualTo(1);
        long lookups = ops.at("/cache/hits").asLong() + ops.at("/cache/misses").asLong();

        assertThat(http.post("/api/ops/load", "{\"rate\":60}").status()).isEqualTo(200);
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> http.get("/api/ops").body().at("/load/ops").asLong() >= 40);
        } finally {
            assertThat(http.delete("/api/ops/load").status()).isEqualTo(200);
        }
        JsonNode after = http.get("/api/ops").body();
        assertThat(after.at("/load/errors").asLong()).as(after.at("/load/lastError").asText()).isZero();
        assertThat(after.at("/cache/hits").asLong() + after.at("/cache/misses").asLong())
                .as("cache lookups: the generator reads profiles and timelines").isGreaterThan(lookups);
        long users = countOnEveryPrimary("users");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> rowsOnEveryShard(http.get("/api/ops").body(), "users"), n -> n == users);
    }

    @Test
    void addingAndRemovingAShardMovesRowsWhileTheAppKeepsServing() throws SQLException {
        Http http = Http.anonymous();
        Http.Response added = http.post("/api/ops/shards", new byte[0]);
        assertThat(added.status()).as(added.body().toString()).isEqualTo(202);
        String shard = added.body().get("id").asText();
        Http writer = Http.anonymous();
        String id = newUser(writer);
        AtomicInteger posts = new AtomicInteger();
        await("the resharding onto " + shard + " finishes while the user keeps posting").atMost(Duration.ofMinutes(3))
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50)).until(() -> {
                    String state = shardChange(http);
                    assertThat(state).as(http.get("/api/ops").body().at("/shards/change").toString())
                            .isIn("running", "done");
                    if (http.get("/api/ops").body().at("/shards/change/message").asText().contains("rows/s")) {
                        // ranges are moving onto the shard: its cache invalidator must already follow it
                        assertThat(invalidationSlots(shard)).as("invalidation slot on " + shard).isEqualTo(1);
                    }
                    if (state.equals("running")) {
                        assertThat(writer.post("/api/users/" + id + "/posts",
                                Http.json(Map.of("text", "during " + posts.get()))).status()).isEqualTo(201);
                        posts.incrementAndGet();
                    }
                    return state.equals("done");
                });
        int posted = posts.get();
        JsonNode ops = http.get("/api/ops").body();
        assertThat(ops.at("/shards/ring/nodes").toString()).contains(shard);
        assertThat(rowsOn(ops, shard, "users")).as("users moved onto " + shard).isPositive();
        // checked whether or not a poll above caught the copy running: the new shard's writes reach the cache
        assertThat(invalidationSlots(shard)).as("invalidation slot on " + shard + " after the resharding").isEqualTo(1);
        assertEveryPostKept(writer, id, posted);

        assertThat(http.delete("/api/ops/shards/" + shard).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> !shardChange(http).equals("running"));
        assertThat(shardChange(http)).isEqualTo("done");
        JsonNode after = http.get("/api/ops").body();
        assertThat(after.at("/shards/ring/nodes").toString()).doesNotContain(shard);
        assertEveryPostKept(writer, id, posted);
        assertThat(http.get("/api/users/ada_1/timeline").status()).isEqualTo(200);
    }

    private static void assertEveryPostKept(Http http, String id, int posted) {
        assertThat(http.get("/api/users/" + id).body().get("posts").asLong()).isEqualTo(posted);
        List<String> newest = texts(http.get("/api/users/" + id + "/posts").body());
        assertThat(newest).hasSize(Math.min(posted, 50)).startsWith("during " + (posted - 1));
    }

    private static String shardChange(Http http) {
        return http.get("/api/ops").body().at("/shards/change/state").asText();
    }

    private static long rowsOnEveryShard(JsonNode ops, String table) {
        long rows = 0;
        for (JsonNode shard : ops.at("/shards/shards")) {
            rows += shard.at("/rows/" + table).asLong();
        }
        return rows;
    }

    /** The cache invalidator's replication slots on the shard's primary, counted there. */
    private static long invalidationSlots(String shardName) throws SQLException {
        try (Connection c = DemoStack.app().servers().shards().shard(shardName).primary().connect();
                Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                        "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'ringroute_invalidator'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Rows of a table on the primary of every shard in the topology, counted there, not through the app. */
    private static long countOnEveryPrimary(String table) throws Exception {
        EmbeddedServers servers = DemoStack.app().servers();
        long rows = 0;
        for (ShardSpec member : servers.topology().shards()) {
            EmbeddedShard shard = servers.shards().shard(member.name());
            try (Connection c = shard.primary().connect(); PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM " + table); ResultSet rs = ps.executeQuery()) {
                rs.next();
                rows += rs.getLong(1);
            }
        }
        return rows;
    }

    private static long rowsOn(JsonNode ops, String shard, String table) {
        for (JsonNode s : ops.at("/shards/shards")) {
            if (s.get("name").asText().equals(shard)) {
                return s.at("/rows/" + table).asLong();
            }
        }
        return -1;
    }

    /** Reads the author's standby directly, bypassing the router. */
    private static EmbeddedShard authorsShard(String author) {
        EmbeddedServers servers = DemoStack.app().servers();
        return servers.shards().shard(servers.shards().topology().ring().primary(author).id());
    }

    private static boolean replicaHasPost(String author, long postId) throws Exception {
        try (Connection c = authorsShard(author).replica(0).connect();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM posts WHERE author = ? AND id = ?")) {
            ps.setString(1, author);
            ps.setLong(2, postId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 1;
            }
        }
    }
}
