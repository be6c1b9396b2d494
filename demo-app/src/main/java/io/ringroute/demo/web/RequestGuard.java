package io.ringroute.demo.web;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checks every request passes before a handler runs: the Host header names this server (so a DNS-rebinding
 * page cannot drive it), state-changing API calls prove they come from a page of this origin (cross-site request
 * forgery), and the operations API is on and, when configured, presented its token.
 */
final class RequestGuard {
    /** The header a state-changing request must carry; a cross-site page cannot send it without CORS consent. */
    static final String PROOF_HEADER = "X-Requested-By";
    static final String PROOF_VALUE = "ringroute";
    private static final Set<String> STATE_CHANGING = Set.of("POST", "PUT", "PATCH", "DELETE");

    private final WebPolicy policy;

    RequestGuard(WebPolicy policy) {
        this.policy = policy;
    }

    /** Refuses a request whose Host header is not one of the allowed hosts. */
    void checkHost(Context ctx) {
        String host = ctx.header("Host");
        String name = host == null ? "" : hostName(host);
        if (!policy.allowedHosts().contains(name)) {
            throw new Refusal(HttpStatus.MISDIRECTED_REQUEST, "host '" + (host == null ? "" : host)
                    + "' is not served here; allowed hosts: " + new TreeSet<>(policy.allowedHosts())
                    + " (http.allowedHosts)");
        }
    }

    /**
     * Refuses a state-changing request without the same-origin proof: the {@value #PROOF_HEADER} header, an
     * Origin (or, without one, a Referer) of this very host if the client sent one, and a JSON body if any.
     */
    void checkSameOrigin(Context ctx) {
        if (!STATE_CHANGING.contains(ctx.method().name())) {
            return;
        }
        if (!PROOF_VALUE.equals(ctx.header(PROOF_HEADER))) {
            throw new Refusal(HttpStatus.FORBIDDEN, ctx.method() + " requests need the header " + PROOF_HEADER
                    + ": " + PROOF_VALUE + " (proof that they come from this site's page or an API client)");
        }
        String origin = ctx.header("Origin");
        String from = origin != null ? origin : ctx.header("Referer");
        if (from != null && !sameAuthority(from, ctx.header("Host"))) {
            throw new Refusal(HttpStatus.FORBIDDEN, (origin != null ? "Origin" : "Referer") + " '" + from
                    + "' is not this site; cross-site requests are refused");
        }
        boolean hasBody = ctx.req().getContentLengthLong() > 0 || ctx.header("Transfer-Encoding") != null;
        if (hasBody && !isJson(ctx.header("Content-Type"))) {
            throw new Refusal(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "request body must be sent as Content-Type:"
                    + " application/json, was " + (ctx.header("Content-Type") == null ? "none"
                    : "'" + ctx.header("Content-Type") + "'"));
        }
    }

    /** Refuses an operations request when the API is off or the token is missing or wrong. */
    void checkOps(Context ctx) {
        if (!policy.opsEnabled()) {
            throw new Refusal(HttpStatus.NOT_FOUND, "the operations API is turned off (ops.enabled=false)");
        }
        if (policy.opsToken().isEmpty()) {
            return;
        }
        String given = ctx.header("Authorization");
        byte[] expected = ("Bearer " + policy.opsToken().get()).getBytes(StandardCharsets.UTF_8);
        if (given == null || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"ringroute operations\"");
            throw new Refusal(HttpStatus.UNAUTHORIZED, "the operations API needs Authorization: Bearer <ops.token>"
                    + (given == null ? "" : "; the token given is wrong"));
        }
    }

    /** The host name of a Host header value, without port, lower-case; IPv6 literals keep their brackets. */
    static String hostName(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? "" : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    private static boolean sameAuthority(String url, String host) {
        try {
            URI u = URI.create(url);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && u.getRawAuthority() != null
                    && host != null && u.getRawAuthority().equalsIgnoreCase(host.trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().equalsIgnoreCase("application/json");
    }
}
