package io.ringroute.demo.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HttpStatus;
import io.javalin.http.SameSite;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.ringroute.demo.ops.LoadGenerator;
import io.ringroute.demo.ops.MetricsHistory;
import io.ringroute.demo.ops.Topology;
import io.ringroute.demo.social.Rejected;
import io.ringroute.demo.social.Session;
import io.ringroute.demo.social.Social;
import io.ringroute.shard.ConsistencyToken;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of the demo: a JSON API under {@code /api} and the page in {@code /public}. The session's
 * consistency token travels in the {@value #TOKEN_HEADER} header or, for the page, the {@value #TOKEN_COOKIE}
 * cookie; every response to a request that wrote carries the new token in both.
 *
 * <p>Every request passes the {@link RequestGuard} (allowed Host, same-origin proof for state changes, operations
 * access) and every response carries the {@link #SECURITY_HEADERS}. Errors are always {@code {"error": message}}:
 * 4xx name what was wrong, an unexpected failure is a 500 with a reference id that is logged with the exception,
 * and 503 means a shard could not be reached.
 */
public final class DemoServer implements AutoCloseable {
    public static final String TOKEN_HEADER = "X-Consistency-Token";
    public static final String TOKEN_COOKIE = "rr_session";
    private static final Logger log = LoggerFactory.getLogger(DemoServer.class);
    private static final String SESSION = "session";
    private static final String ERROR = "error";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final SecureRandom IDS = new SecureRandom();
    /** No script, style, frame or connection beyond this origin; never framed (clickjacking). */
    static final Map<String, String> SECURITY_HEADERS = Map.of(
            "Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                    + " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
                    + " frame-ancestors 'none'",
            "X-Frame-Options", "DENY",
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "same-origin",
            "Cross-Origin-Resource-Policy", "same-origin",
            "Cross-Origin-Opener-Policy", "same-origin");

    private final Javalin app;

    private DemoServer(Javalin app) {
        this.app = app;
    }

    public static DemoServer start(String host, int port, WebPolicy policy, Social social, Topology topology,
                                   LoadGenerator load, String mode, ObjectMapper json, MetricsHistory history,
                                   Supplier<String> prometheus) {
        Javalin app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.useVirtualThreads = false;
            cfg.jsonMapper(new JavalinJackson(json, false));
            cfg.http.maxRequestSize = RequestBody.MAX_BYTES;
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            cfg.jetty.modifyServletContextHandler(context -> context.setErrorHandler(new JsonErrorHandler()));
            cfg.jetty.modifyHttpConfiguration(http -> http.setSendServerVersion(false));
            cfg.jetty.addConnector((server, http) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                connector.setHost(host);
                connector.setPort(port);
                connector.setIdleTimeout(policy.idleTimeout().toMillis());
                return connector;
            });
            cfg.staticFiles.add(sf -> {
                sf.hostedPath = "/";
                sf.directory = "/public";
                sf.location = Location.CLASSPATH;
            });
        });
        RequestGuard guard = new RequestGuard(policy);
        app.before(ctx -> {
            SECURITY_HEADERS.forEach(ctx::header);
            guard.checkHost(ctx);
        });
        Api api = new Api(social, topology, load, mode, JsonBody.strictReader(json), guard, policy);
        api.routes(app);
        app.get("/api/ops/history", ctx -> ctx.json(history.window()));
        app.get("/metrics", ctx -> {
            guard.checkOps(ctx);    // the same token as the operations API, when one is set
            ctx.contentType(PROMETHEUS_TEXT).result(prometheus.get());
        });
        app.exception(Refusal.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
        app.exception(Rejected.class, (e, ctx) -> error(ctx, status(e.why()), e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            String id = HexFormat.of().formatHex(randomId());
            log.error("{} {} failed (error id {})", ctx.method(), ctx.path(), id, e);
            error(ctx, HttpStatus.INTERNAL_SERVER_ERROR, "internal error (id " + id + "); the server log has the"
                    + " details");
        });
        app.error(HttpStatus.NOT_FOUND, ctx -> {
            if (ctx.path().startsWith("/api/") && ctx.attribute(ERROR) == null) {
                error(ctx, HttpStatus.NOT_FOUND, "no such endpoint: " + ctx.method() + " " + ctx.path());
            }
        });
        app.error(HttpStatus.CONTENT_TOO_LARGE, ctx -> error(ctx, HttpStatus.CONTENT_TOO_LARGE,
                "request body is too large"));
        app.start();
        return new DemoServer(app);
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }

    private static byte[] randomId() {
        byte[] id = new byte[6];
        IDS.nextBytes(id);
        return id;
    }

    /** Every error is {"error": message}; the attribute tells the 404 handler that a route already answered. */
    private static void error(Context ctx, HttpStatus status, String message) {
        ctx.attribute(ERROR, message);
        ctx.status(status).json(Map.of("error", message));
    }

    private static HttpStatus status(Rejected.Why why) {
        return switch (why) {
            case BAD_INPUT -> HttpStatus.BAD_REQUEST;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT -> HttpStatus.CONFLICT;
            case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
        };
    }

    /** The routes; each handler reads its session, calls the domain and writes the session back if it wrote. */
    private record Api(Social social, Topology topology, LoadGenerator load, String mode, ObjectReader bodies,
                       RequestGuard guard, WebPolicy policy) {
        void routes(Javalin app) {
            app.before("/api/*", ctx -> {
                ctx.header("Cache-Control", "no-store");
                guard.checkSameOrigin(ctx);
                if (ctx.path().equals("/api/ops") || ctx.path().startsWith("/api/ops/")) {
                    guard.checkOps(ctx);
                }
                ctx.attribute(SESSION, session(ctx));
            });
            app.after("/api/*", ctx -> {
                Session s = ctx.attribute(SESSION);
                if (s != null && s.hasWritten()) {
                    String token = s.encode();
                    ctx.header(TOKEN_HEADER, token);
                    ctx.cookie(new Cookie(TOKEN_COOKIE, token, "/", -1, false, 0, true, null, null, SameSite.STRICT));
                }
            });

            app.get("/api/users", ctx -> ctx.json(social.mostFollowed(intParam(ctx, "limit", 20, 1, 200))));
            app.post("/api/users", ctx -> {
                JsonBody b = body(ctx, "id", "name", "bio");
                ctx.status(HttpStatus.CREATED).json(social.createUser(b.string("id"), b.string("name"),
                        b.optionalString("bio"), s(ctx)));
            });
            app.get("/api/users/{id}", ctx -> ctx.json(social.profile(ctx.pathParam("id"), s(ctx))));
            app.patch("/api/users/{id}", ctx -> {
                JsonBody b = body(ctx, "name", "bio");
                ctx.json(social.editProfile(ctx.pathParam("id"), b.optionalString("name"), b.optionalString("bio"),
                        s(ctx)));
            });
            app.get("/api/users/{id}/following", ctx -> ctx.json(social.following(ctx.pathParam("id"), s(ctx))));
            app.post("/api/users/{id}/following", ctx -> {
                JsonBody b = body(ctx, "user");
                ctx.json(social.follow(ctx.pathParam("id"), b.string("user"), s(ctx)));
            });
            app.delete("/api/users/{id}/following/{other}",
                    ctx -> ctx.json(social.unfollow(ctx.pathParam("id"), ctx.pathParam("other"), s(ctx))));
            app.get("/api/users/{id}/posts", ctx -> ctx.json(social.posts(ctx.pathParam("id"), s(ctx))));
            app.post("/api/users/{id}/posts", ctx -> {
                JsonBody b = body(ctx, "text");
                ctx.status(HttpStatus.CREATED).json(social.post(ctx.pathParam("id"), b.string("text"), s(ctx)));
            });
            app.get("/api/users/{id}/timeline", ctx -> ctx.json(social.timeline(ctx.pathParam("id"), s(ctx))));
            app.post("/api/posts/{author}/{postId}/likes", ctx -> {
                JsonBody b = body(ctx, "user");
                String ref = ctx.pathParam("author") + "/" + ctx.pathParam("postId");
                ctx.json(social.like(b.string("user"), ref, s(ctx)));
            });

            app.get("/api/ops", ctx -> ctx.json(Map.of("mode", mode, "celebrityThreshold",
                    social.celebrityThreshold(), "cache", topology.cache(), "shards", topology.shards(),
                    "load", load.stats())));
            app.post("/api/ops/cache-nodes", ctx -> {
                underCap(topology.cache().nodes().size(), policy.maxCacheNodes(), "cache nodes", "ops.maxCacheNodes");
                accepted(ctx, topology.addCacheNode());
            });
            app.delete("/api/ops/cache-nodes/{id}", ctx -> {
                topology.removeCacheNode(ctx.pathParam("id"));
                accepted(ctx, ctx.pathParam("id"));
            });
            app.post("/api/ops/shards", ctx -> {
                underCap(topology.shards().shards().size(), policy.maxShards(), "shards", "ops.maxShards");
                accepted(ctx, topology.addShard());
            });
            app.delete("/api/ops/shards/{name}", ctx -> {
                topology.removeShard(ctx.pathParam("name"));
                accepted(ctx, ctx.pathParam("name"));
            });
            app.post("/api/ops/load", ctx -> {
                JsonBody b = body(ctx, "rate");
                try {
                    load.start(b.integer("rate"));
                } catch (IllegalArgumentException e) {
                    throw Rejected.badInput(e.getMessage());       // the rate's range, named by the generator
                }
                ctx.json(load.stats());
            });
            app.delete("/api/ops/load", ctx -> {
                load.stop();
                ctx.json(load.stats());
            });
        }

        private JsonBody body(Context ctx, String... fields) {
            return JsonBody.parse(bodies, RequestBody.read(ctx), Set.of(fields));
        }

        private static void underCap(int now, int max, String what, String key) {
            if (now >= max) {
                throw new Refusal(HttpStatus.CONFLICT, "the demo already runs " + now + " " + what + ", the most the"
                        + " operations API may start (" + key + "=" + max + ")");
            }
        }

        private static Session s(Context ctx) {
            return ctx.attribute(SESSION);
        }

        /** The request's session, validated whole here, even if the answer later comes from the cache. */
        private static Session session(Context ctx) {
            String token = ctx.header(TOKEN_HEADER);
            Session session = Session.decode(token != null ? token : ctx.cookie(TOKEN_COOKIE));
            if (!session.shardToken().isEmpty()) {
                try {
                    ConsistencyToken.parse(session.shardToken());
                } catch (IllegalArgumentException e) {
                    throw Rejected.badInput("consistency token is malformed: " + e.getMessage());
                }
            }
            return session;
        }

        private static void accepted(Context ctx, String id) {
            ctx.status(HttpStatus.ACCEPTED).json(Map.of("id", id));
        }

        private static int intParam(Context ctx, String name, int dflt, int min, int max) {
            String v = ctx.queryParam(name);
            if (v == null) {
                return dflt;
            }
            Function<String, Rejected> bad = x -> Rejected.badInput("query parameter '" + name
                    + "' must be an integer between " + min + " and " + max + ", was '" + x + "'");
            try {
                int i = Integer.parseInt(v);
                if (i < min || i > max) {
                    throw bad.apply(v);
                }
                return i;
            } catch (NumberFormatException e) {
                throw bad.apply(v);
            }
        }
    }
}
