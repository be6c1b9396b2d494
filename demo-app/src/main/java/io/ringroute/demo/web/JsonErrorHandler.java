package io.ringroute.demo.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's own error answers (a request it could not parse: 400, 414 URI too long, 431 headers too large, 505 HTTP
 * version) in the API's format, {@code {"error": message}}, instead of an HTML page; no stack, no server details.
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    JsonErrorHandler() {
        setShowStacks(false);
        setShowServlet(false);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
        return ByteBuffer.wrap(body(status));
    }

    @Override
    protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request,
                                              HttpServletResponse response, int code, String message)
            throws IOException {
        baseRequest.setHandled(true);
        response.setContentType("application/json");
        response.getOutputStream().write(body(code));
    }

    static String message(int status) {
        return switch (status) {
            case 400 -> "malformed HTTP request";
            case 408 -> "the request did not arrive in time";
            case 413 -> "request body is too large";
            case 414 -> "request URI is too long";
            case 431 -> "request header fields are too large";
            case 505 -> "HTTP version not supported; use HTTP/1.1";
            default -> "the request was refused (HTTP " + status + ")";
        };
    }

    private static byte[] body(int status) {
        try {
            return JSON.writeValueAsBytes(Map.of("error", message(status)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
