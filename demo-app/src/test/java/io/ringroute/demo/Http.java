package io.ringroute.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * A client of the demo's JSON API that carries the consistency token from response to request, as a browser
 * carries the cookie. {@link #anonymous()} makes a client with no token.
 */
final class Http {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    record Response(int status, JsonNode body, String token) {
        String error() {
            return body.path("error").asText();
        }
    }

    private final String base;
    private String token;

    private Http(String base) {
        this.base = base;
    }

    static Http anonymous() {
        return new Http("http://127.0.0.1:" + DemoStack.app().port());
    }

    String token() {
        return token;
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    Response delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
    }

    Response post(String path, String json) {
        return post(path, json.getBytes(StandardCharsets.UTF_8));
    }

    Response post(String path, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    Response patch(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
    }

    /** Sends with an explicit token header, whatever this client holds. */
    Response getWithToken(String path, String explicitToken) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("X-Consistency-Token", explicitToken)
                .GET());
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Response send(HttpRequest.Builder request) {
        request.header("X-Requested-By", "ringroute");
        if (token != null) {
            request.header("X-Consistency-Token", token);
        }
        try {
            HttpResponse<String> res = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            res.headers().firstValue("X-Consistency-Token").ifPresent(t -> token = t);
            JsonNode body;
            try {
                body = res.body().isEmpty() ? JSON.nullNode() : JSON.readTree(res.body());
            } catch (IOException notJson) {
                body = JSON.getNodeFactory().textNode(res.body());
            }
            return new Response(res.statusCode(), body, token);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
