package io.ringroute.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringroute.demo.ops.MetricsHistory;
import io.ringroute.demo.ops.RingView;
import io.ringroute.demo.ops.Topology;
import io.ringroute.demo.web.DemoServer;
import io.ringroute.demo.web.WebPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The demo's API as an attacker sees it, over real HTTP against the shared embedded stack: cross-site requests,
 * DNS rebinding, framing, malformed and oversized bodies (raw sockets where an HTTP client would refuse to send
 * them), lazy validation, the post length rule, and the operations API's caps, switch and token (on a second web
 * server over a stand-in topology, so no test starts real servers just to be refused).
 */
@ExtendWith(DemoStack.class)
class DemoSecurityTest {
    private static final List<MetricsHistory> HISTORIES = new ArrayList<>();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final AtomicInteger USERS = new AtomicInteger();

    // ---- cross-site request forgery -------------------------------------------------------------------------------

    @Test
    void aCrossSiteNoCorsPostIsRefusedAndWritesNothing() throws Exception {
        String id = newUser();
        // what fetch(url, {method: 'POST', mode: 'no-cors', body: '{"text":"x"}'}) from another site sends
        Raw r = raw("POST /api/users/" + id + "/posts HTTP/1.1\r\nHost: " + host() + "\r\nOrigin: http://evil.example"
                + "\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 12\r\nConnection: close\r\n\r\n"
                + "{\"text\":\"x\"}");
        assertThat(r.status).isEqualTo(403);
        assertThat(r.error()).contains("X-Requested-By");
        Raw bodiless = raw("POST /api/ops/cache-nodes HTTP/1.1\r\nHost: " + host() + "\r\nContent-Length: 0\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(bodiless.status).as("the ops POSTs have no body but still need the proof").isEqualTo(403);
        assertThat(Http.anonymous().get("/api/users/" + id).body().get("posts").asLong()).isZero();
    }

    @Test
    void aStateChangeNeedsTheProofHeaderASameOriginAndAJsonBody() throws Exception {
        String id = newUser();
        String path = "/api/users/" + id + "/posts";
        String body = "{\"text\":\"proof\"}";
        assertThat(send(path, body, "application/json", Map.of()).statusCode()).isEqualTo(403);
        assertThat(send(path, body, "application/json", Map.of("X-Requested-By", "ringroute",
                "Origin", "http://evil.example")).statusCode()).as("foreign Origin").isEqualTo(403);
        assertThat(send(path, body, "application/json", Map.of("X-Requested-By", "ringroute",
                "Referer", "http://127.0.0.1.evil.example/page")).statusCode()).as("foreign Referer").isEqualTo(403);
        HttpResponse<String> plain = send(path, body, "text/plain", Map.of("X-Requested-By", "ringroute"));
        assertThat(plain.statusCode()).isEqualTo(415);
        assertThat(error(plain.body())).contains("application/json");
        HttpResponse<String> ok = send(path, body, "application/json; charset=utf-8",
                Map.of("X-Requested-By", "ringroute", "Origin", "http://" + host()));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
        String token = ok.headers().firstValue("X-Consistency-Token").orElseThrow();
        assertThat(Http.anonymous().getWithToken("/api/users/" + id, token).body().get("posts").asLong())
                .as("read with the writer's token, so not from a lagging standby").isEqualTo(1);
    }

    // ---- DNS rebinding and framing --------------------------------------------------------------------------------

    @Test
    void aRequestForAnotherHostIsRefusedEvenForThePage() throws Exception {
        for (String path : List.of("/api/users", "/", "/app.js")) {
            Raw r = raw("GET " + path + " HTTP/1.1\r\nHost: evil.example:" + port() + "\r\nConnection: close\r\n\r\n");
            assertThat(r.status).as(path).isEqualTo(421);
            assertThat(r.error()).contains("evil.example").contains("http.allowedHosts");
        }
        assertThat(raw("GET /api/users HTTP/1.1\r\nHost: localhost:" + port() + "\r\nConnection: close\r\n\r\n")
                .status).isEqualTo(200);
    }

    @Test
    void everyResponseForbidsFramingSniffingAndForeignScripts() throws Exception {
        for (String path : List.of("/", "/app.js", "/api/users", "/api/nothing")) {
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(base() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.headers().firstValue("X-Frame-Options")).as(path).contains("DENY");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).as(path).contains("nosniff");
            assertThat(r.headers().firstValue("Referrer-Policy")).as(path).contains("same-origin");
            String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
            assertThat(csp).as(path).contains("default-src 'self'", "frame-ancestors 'none'", "script-src 'self'")
                    .doesNotContain("unsafe-inline", "unsafe-eval");
        }
        String page = CLIENT.send(HttpRequest.newBuilder(URI.create(base() + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(page).as("the page has no inline script the CSP would block").doesNotContainPattern("<script>")
                .doesNotContainPattern("\\son[a-z]+=\"");
    }

    // ---- bad input ------------------------------------------------------------------------------------------------

    @Test
    void deepNestingHugeNumbersAndTrailingDataGetA400WithoutInternals() {
        Http http = Http.anonymous();
        String id = newUser();
        String deep = "{\"text\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        assertBadInput(http.post("/api/users/" + id + "/posts", deep), "nested deeper than");
        assertBadInput(http.post("/api/ops/load", "{\"rate\":" + "9".repeat(5_000) + "}"), "number longer than");
        assertBadInput(http.post("/api/users/" + id + "/posts", "{\"text\":\"x\"} garbage"), "not valid JSON");
        assertBadInput(http.post("/api/users/" + id + "/posts", "{\"text\":\"x\"} {\"text\":\"y\"}"),
                "more after the JSON object");
        assertThat(http.get("/api/users/" + id).body().get("posts").asLong()).as("nothing written").isZero();
    }

    @Test
    void aBodyShorterThanItsContentLengthGetsAJson408() throws Exception {
        Raw r = raw("POST /api/users HTTP/1.1\r\nHost: " + host() + "\r\nX-Requested-By: ringroute\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":");
        assertThat(r.status).isEqualTo(408);
        assertThat(r.error()).contains("Content-Length");
    }

    @Test
    void aChunkedBodyIsRefusedAsSoonAsItPassesTheLimitNotReadToItsEnd() throws Exception {
        // 70 KiB in one chunk and then nothing: a server that reads the whole body waits for the rest and times out
        String chunk = "{\"text\":\"" + "a".repeat(70 * 1024) + "\"}";
        Raw r = raw("POST /api/users/ada_1/posts HTTP/1.1\r\nHost: " + host() + "\r\nX-Requested-By: ringroute\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
        assertThat(r.status).isEqualTo(413);
        assertThat(r.error()).contains("too large");
    }

    @Test
    void jettysOwnErrorsComeBackAsTheDocumentedJson() throws Exception {
        Map<Integer, String> requests = Map.of(
                400, "GET / HTTP/1.1\r\nHost: " + host() + "\r\nno colon here\r\n\r\n",
                414, "GET /api/users?x=" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: " + host() + "\r\n\r\n",
                431, "GET /api/users HTTP/1.1\r\nHost: " + host() + "\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n",
                505, "GET / HTTP/7.1\r\nHost: " + host() + "\r\n\r\n");
        for (Map.Entry<Integer, String> e : requests.entrySet()) {
            Raw r = raw(e.getValue());
            assertThat(r.status).isEqualTo(e.getKey());
            assertThat(r.header("content-type")).as("status " + e.getKey()).startsWith("application/json");
            assertThat(r.error()).as("status " + e.getKey()).isNotEmpty().doesNotContain("<", "Exception", "jetty");
        }
    }

    @Test
    void aMalformedConsistencyTokenIsRefusedEvenWhenTheCacheWouldAnswer() {
        String id = newUser();
        Http http = Http.anonymous();
        assertThat(http.get("/api/users/" + id).status()).isEqualTo(200); // now cached
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String token = "s1." + b64.encodeToString("not a shard token".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(new byte[0]);
        Http.Response r = http.getWithToken("/api/users/" + id, token);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).contains("consistency token is malformed");
    }

    // ---- one length rule ------------------------------------------------------------------------------------------

    @Test
    void postsAreMeasuredAfterStrippingEveryKindOfBlankAndInvisibleOnlyPostsAreEmpty() {
        Http http = Http.anonymous();
        String id = newUser();
        String path = "/api/users/" + id + "/posts";
        Http.Response nbsp = http.post(path, Http.json(Map.of("text", "x".repeat(280) + "\u00A0")));
        assertThat(nbsp.status()).as(nbsp.body().toString()).isEqualTo(201);
        assertThat(nbsp.body().get("text").asText()).isEqualTo("x".repeat(280));
        for (String invisible : List.of("\u200B", "\uFEFF", "\u200B\uFEFF\u2060", " \u00A0\u3000\u180E\u3164 ")) {
            Http.Response r = http.post(path, Http.json(Map.of("text", invisible)));
            assertThat(r.status()).as(escaped(invisible)).isEqualTo(400);
            assertThat(r.error()).isEqualTo("post text is empty");
        }
        assertThat(http.get("/api/users/" + id).body().get("posts").asLong()).isEqualTo(1);
    }

    // ---- the operations API ---------------------------------------------------------------------------------------

    @Test
    void theOperationsApiRefusesToGrowPastItsCaps() throws Exception {
        StandIn topology = new StandIn(3, 2);
        try (DemoServer server = standIn(topology, policy(true, null, 3, 2))) {
            HttpResponse<String> nodes = send(server, "POST", "/api/ops/cache-nodes", Map.of());
            assertThat(nodes.statusCode()).isEqualTo(409);
            assertThat(error(nodes.body())).contains("ops.maxCacheNodes=3");
            HttpResponse<String> shards = send(server, "POST", "/api/ops/shards", Map.of());
            assertThat(shards.statusCode()).isEqualTo(409);
            assertThat(error(shards.body())).contains("ops.maxShards=2");
            assertThat(topology.added).as("nothing started").isZero();
        }
    }

    @Test
    void theOperationsApiCanBeTurnedOffOrDemandAToken() throws Exception {
        StandIn topology = new StandIn(1, 1);
        try (DemoServer off = standIn(topology, policy(false, null, 8, 8))) {
            assertThat(send(off, "GET", "/api/ops", Map.of()).statusCode()).isEqualTo(404);
            assertThat(send(off, "POST", "/api/ops/cache-nodes", Map.of()).statusCode()).isEqualTo(404);
        }
        String token = "a-long-enough-ops-token";
        try (DemoServer guarded = standIn(topology, policy(true, token, 8, 8))) {
            assertThat(send(guarded, "POST", "/api/ops/cache-nodes", Map.of()).statusCode()).isEqualTo(401);
            assertThat(send(guarded, "POST", "/api/ops/cache-nodes", Map.of("Authorization", "Bearer wrong"))
                    .statusCode()).isEqualTo(401);
            assertThat(topology.added).isZero();
            assertThat(send(guarded, "POST", "/api/ops/cache-nodes", Map.of("Authorization", "Bearer " + token))
                    .statusCode()).isEqualTo(202);
            assertThat(topology.added).isEqualTo(1);
            assertThat(send(guarded, "GET", "/api/users", Map.of()).statusCode()).as("the rest needs no token")
                    .isEqualTo(200);
        }
    }

    @Test
    void anUnexpectedFailureIsA500WithALoggedIdAndNoExceptionText() throws Exception {
        StandIn topology = new StandIn(1, 1);
        try (DemoServer server = standIn(topology, policy(true, null, 8, 8))) {
            HttpResponse<String> r = send(server, "POST", "/api/ops/shards", Map.of());
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(error(r.body())).matches("internal error \\(id [0-9a-f]{12}\\).*")
                    .doesNotContain("secret detail", "Exception");
        }
    }

    @Test
    void aNonLoopbackDemoNeedsAnOpsTokenOrTheOpsApiOff() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DemoConfig.builder().host("0.0.0.0").build())
                .hasMessageContaining("ops.token").hasMessageContaining("ops.enabled=false");
        assertThat(DemoConfig.builder().host("0.0.0.0").opsEnabled(false).allowedHosts(Set.of("demo.example"))
                .build().webPolicy().allowedHosts()).containsExactly("demo.example");
        assertThat(DemoConfig.defaults().webPolicy().allowedHosts())
                .containsExactlyInAnyOrder("127.0.0.1", "localhost", "[::1]");
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /** A topology with fixed sizes that counts what the API asked it to start; adding a shard fails unexpectedly. */
    private static final class StandIn implements Topology {
        private final int nodes;
        private final int shards;
        volatile int added;

        StandIn(int nodes, int shards) {
            this.nodes = nodes;
            this.shards = shards;
        }

        @Override
        public CacheSnapshot cache() {
            List<CacheNodeView> views = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                views.add(new CacheNodeView("n" + i, "127.0.0.1:1", 0, 0, 0, "up"));
            }
            return new CacheSnapshot(new RingView(List.of(), List.of()), 1, views, 0, 0, null);
        }

        @Override
        public ShardSnapshot shards() {
            List<ShardView> views = new ArrayList<>();
            for (int i = 0; i < shards; i++) {
                views.add(new ShardView("s" + i, Map.of(), 0, 0, List.of()));
            }
            return new ShardSnapshot(new RingView(List.of(), List.of()), views, null);
        }

        @Override
        public String addCacheNode() {
            added++;
            return "n" + nodes;
        }

        @Override
        public void removeCacheNode(String id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String addShard() {
            throw new IllegalStateException("secret detail of a failure");
        }

        @Override
        public void removeShard(String name) {
            throw new UnsupportedOperationException();
        }
    }

    private static WebPolicy policy(boolean opsEnabled, String token, int maxCacheNodes, int maxShards) {
        return new WebPolicy(Set.of("127.0.0.1"), opsEnabled, Optional.ofNullable(token), maxCacheNodes, maxShards,
                Duration.ofSeconds(5));
    }

    private static DemoServer standIn(Topology topology, WebPolicy policy) {
        DemoApp app = DemoStack.app();
        MetricsHistory history = MetricsHistory.start(topology, app.load());
        HISTORIES.add(history);
        return DemoServer.start("127.0.0.1", 0, policy, app.social(), topology, app.load(), "embedded",
                new ObjectMapper(), history, () -> "");
    }

    @AfterAll
    static void stopHistories() {
        HISTORIES.forEach(MetricsHistory::close);
    }

    private static HttpResponse<String> send(DemoServer server, String method, String path,
                                             Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("X-Requested-By", "ringroute").method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(b::header);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(String path, String body, String contentType,
                                             Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertBadInput(Http.Response r, String message) {
        assertThat(r.status()).as(r.body().toString()).isEqualTo(400);
        assertThat(r.error()).contains(message).doesNotContain("Exception", "com.fasterxml", "StreamReadConstraints");
    }

    private static String newUser() {
        String id = "sec" + System.nanoTime() % 1_000_000 + "_" + USERS.incrementAndGet();
        Http.Response r = Http.anonymous().post("/api/users", Http.json(Map.of("id", id, "name", "Sec " + id)));
        assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
        return id;
    }

    private static String error(String body) throws IOException {
        return JSON.readTree(body).path("error").asText();
    }

    private static String escaped(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> b.append(String.format("U+%04X ", cp)));
        return b.toString().trim();
    }

    private static int port() {
        return DemoStack.app().port();
    }

    private static String host() {
        return "127.0.0.1:" + port();
    }

    private static String base() {
        return "http://" + host();
    }

    /** A response read off a raw socket: status line, headers, body (until the server closes or 30 s pass). */
    private record Raw(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }

        String error() {
            try {
                JsonNode n = JSON.readTree(body);
                return n.path("error").asText();
            } catch (IOException e) {
                return "not JSON: " + body;
            }
        }
    }

    /** Sends bytes as they are and reads one response (its Content-Length, or until the server closes). */
    private static Raw raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("the server closed before a full response head: " + head);
                }
                head.write(c);
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            Map<String, String> headers = new java.util.HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
                }
            }
            byte[] body;
            if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                body = dechunk(in);
            } else {
                body = in.readAllBytes();
            }
            return new Raw(Integer.parseInt(lines[0].split(" ")[1]), headers,
                    new String(body, StandardCharsets.UTF_8));
        }
    }

    private static byte[] dechunk(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            StringBuilder size = new StringBuilder();
            for (int c = in.read(); c != '\n' && c >= 0; c = in.read()) {
                if (c != '\r') {
                    size.append((char) c);
                }
            }
            int n = Integer.parseInt(size.toString().split(";")[0].trim(), 16);
            if (n == 0) {
                return body.toByteArray();
            }
            body.write(in.readNBytes(n));
            in.readNBytes(2);
        }
    }
}
