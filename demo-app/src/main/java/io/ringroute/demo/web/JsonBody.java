package io.ringroute.demo.web;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringroute.demo.social.Rejected;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

/**
 * A JSON object from a request body, read strictly: valid UTF-8, one object, only the fields the endpoint knows,
 * each of the expected type. Every refusal names what was wrong.
 */
final class JsonBody {
    private final JsonNode root;

    private JsonBody(JsonNode root) {
        this.root = root;
    }

    static JsonBody parse(ObjectMapper json, byte[] body, Set<String> fields) {
        if (body.length == 0) {
            throw Rejected.badInput("request body is empty; expected a JSON object with " + new TreeSet<>(fields));
        }
        String text = StrictUtf8.decode(body);
        JsonNode root;
        try {
            root = json.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(text);
        } catch (JsonProcessingException e) {
            throw Rejected.badInput("request body is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
        if (root == null || !root.isObject()) {
            throw Rejected.badInput("request body must be a JSON object with " + new TreeSet<>(fields));
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!fields.contains(name)) {
                throw Rejected.badInput("unknown field '" + name + "'; expected " + new TreeSet<>(fields));
            }
        }
        return new JsonBody(root);
    }

    /** Null when absent or JSON null. */
    String optionalString(String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw Rejected.badInput("field '" + field + "' must be a string, was " + v.getNodeType().name().toLowerCase());
        }
        return v.textValue();
    }

    String string(String field) {
        String v = optionalString(field);
        if (v == null) {
            throw Rejected.badInput("field '" + field + "' is missing");
        }
        return v;
    }

    int integer(String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            throw Rejected.badInput("field '" + field + "' is missing");
        }
        if (!v.isInt()) {
            throw Rejected.badInput("field '" + field + "' must be an integer, was " + v);
        }
        return v.intValue();
    }
}
