package io.ringroute.demo.web;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeoutException;

/**
 * Reads a request body up to a limit, refusing it as soon as it grows past the limit (a chunked body declares no
 * length, so the check has to happen while reading) and when the client stops sending before the end.
 */
final class RequestBody {
    /** Far above any valid body (a post is at most 280 code points); also Javalin's limit for declared lengths. */
    static final int MAX_BYTES = 64 * 1024;

    private RequestBody() {
    }

    static byte[] read(Context ctx) {
        if (ctx.req().getContentLengthLong() > MAX_BYTES) {
            throw tooLarge();
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes(MAX_BYTES + 1);
            if (body.length > MAX_BYTES) {
                throw tooLarge();
            }
            return body;
        } catch (IOException e) {
            if (timedOut(e)) {
                throw new Refusal(HttpStatus.REQUEST_TIMEOUT, "request body ended before its Content-Length"
                        + " (the client stopped sending)");
            }
            throw new Refusal(HttpStatus.BAD_REQUEST, "request body could not be read (malformed or cut off)");
        }
    }

    private static Refusal tooLarge() {
        return new Refusal(HttpStatus.CONTENT_TOO_LARGE, "request body is too large (limit " + MAX_BYTES + " bytes)");
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }
}
