package io.ringroute.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Headless Chromium driven over the DevTools protocol: a WebSocket from java.net.http, JSON messages, nothing else.
 * Only what the browser test needs: open a page, evaluate JavaScript, wait for a condition, take a screenshot.
 */
final class Chromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path profile;
    private final String httpBase;
    private final HttpClient http = HttpClient.newHttpClient();

    private Chromium(Process process, Path profile, String httpBase) {
        this.process = process;
        this.profile = profile;
        this.httpBase = httpBase;
    }

    /** The first of Debian's and the usual names of Chromium found on the PATH. */
    static Optional<Path> find() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : new String[] {"chromium", "chromium-browser", "google-chrome"}) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    static Chromium launch(Path binary) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("ringroute-chromium");
        // Shared memory under /tmp: a small /dev/shm crashes tabs, and Debian's launcher, which should add this flag
        // then, misreads findmnt when /dev/shm is mounted twice (as on these machines).
        Process p = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--remote-debugging-port=0",
                "--window-size=1400,1000", "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        CompletableFuture<String> endpoint = new CompletableFuture<>();
        // The last lines Chromium printed, for the failure message when it does not start.
        Deque<String> lastLines = new ConcurrentLinkedDeque<>();
        Thread drain = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    int at = line.indexOf("DevTools listening on ws://");
                    if (at >= 0) {
                        endpoint.complete(line.substring(at + "DevTools listening on ".length()));
                    } else if (!endpoint.isDone()) {
                        lastLines.addLast(line);
                        if (lastLines.size() > 20) {
                            lastLines.pollFirst();
                        }
                    }
                }
                endpoint.completeExceptionally(new IOException("chromium exited without a DevTools endpoint"));
            } catch (IOException e) {
                endpoint.completeExceptionally(e);
            }
        }, "chromium-stderr");
        drain.setDaemon(true);
        drain.start();
        try {
            URI ws = URI.create(endpoint.get(30, TimeUnit.SECONDS));
            return new Chromium(p, profile, "http://" + ws.getHost() + ":" + ws.getPort());
        } catch (Exception e) {
            destroy(p);
            deleteTree(profile);
            throw new IOException("chromium did not start: " + e.getMessage() + "; it printed: "
                    + String.join(" | ", lastLines), e);
        }
    }

    Page open(String url) throws IOException, InterruptedException {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(httpBase + "/json/new?"
                + URLEncoder.encode(url, StandardCharsets.UTF_8).replace("+", "%20"))).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) {
            throw new IOException("opening a tab failed: " + res.statusCode() + " " + res.body());
        }
        String ws = JSON.readTree(res.body()).get("webSocketDebuggerUrl").asText();
        return new Page(http, URI.create(ws));
    }

    @Override
    public void close() {
        destroy(process);
        deleteTree(profile);
    }

    private static void destroy(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a leftover temp profile is harmless
        }
    }

    /** One tab. */
    static final class Page implements WebSocket.Listener {
        private final WebSocket socket;
        private final AtomicInteger ids = new AtomicInteger();
        private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        private final StringBuilder partial = new StringBuilder();

        private Page(HttpClient http, URI ws) {
            this.socket = http.newWebSocketBuilder().buildAsync(ws, this).join();
        }

        JsonNode call(String method, Map<String, Object> params) {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> reply = new CompletableFuture<>();
            pending.put(id, reply);
            ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
            msg.set("params", JSON.valueToTree(params));
            socket.sendText(msg.toString(), true).join();
            try {
                JsonNode r = reply.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                if (r.has("error")) {
                    throw new IllegalStateException(method + " failed: " + r.get("error"));
                }
                return r.get("result");
            } catch (Exception e) {
                throw new IllegalStateException(method + " got no answer: " + e.getMessage(), e);
            } finally {
                pending.remove(id);
            }
        }

        /** Evaluates an expression (awaiting a promise) and returns its JSON value. */
        JsonNode eval(String expression) {
            JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "awaitPromise", true,
                    "returnByValue", true));
            if (r.has("exceptionDetails")) {
                throw new IllegalStateException("page threw on '" + expression + "': "
                        + r.get("exceptionDetails").path("exception").path("description").asText(
                        r.get("exceptionDetails").toString()));
            }
            return r.path("result").path("value");
        }

        /** Polls a boolean expression until it is true; fails with the last value of {@code explain}. */
        void waitFor(String condition, Duration timeout, String explain) {
            try {
                // A tab just opened has no execution context until its document starts loading: not yet false.
                Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
                        .ignoreExceptionsMatching(e -> String.valueOf(e.getMessage())
                                .contains("Cannot find default execution context"))
                        .until(() -> eval("!!(" + condition + ")").asBoolean());
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + condition
                        + "; page shows: " + eval(explain), e);
            }
        }

        byte[] screenshot() {
            return Base64.getDecoder().decode(call("Page.captureScreenshot", Map.of("format", "png"))
                    .get("data").asText());
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode msg = JSON.readTree(partial.toString());
                    CompletableFuture<JsonNode> f = msg.has("id") ? pending.get(msg.get("id").asInt()) : null;
                    if (f != null) {
                        f.complete(msg);
                    }
                } catch (IOException e) {
                    // not one of our replies
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }
}
