package io.ringroute.demo.web;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.ringroute.demo.social.Rejected;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

/**
 * A JSON object from a request body, read strictly: valid UTF-8, one object and nothing after it, nested at most
 * {@value #MAX_DEPTH} deep, numbers of at most {@value #MAX_NUMBER_DIGITS} digits, only the fields the endpoint
 * knows, each of the expected type. Every refusal names what was wrong.
 */
final class JsonBody {
    static final int MAX_DEPTH = 16;
    static final int MAX_NUMBER_DIGITS = 32;

    private final JsonNode root;

    private JsonBody(JsonNode root) {
        this.root = root;
    }

    /** The reader {@link #parse} needs: a copy of {@code json} with the limits above and strict parsing. */
    static ObjectReader strictReader(ObjectMapper json) {
        ObjectMapper copy = json.copy();
        copy.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                .maxNumberLength(MAX_NUMBER_DIGITS).build());
        return copy.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    static JsonBody parse(ObjectReader reader, byte[] body, Set<String> fields) {
        if (body.length == 0) {
            throw Rejected.badInput("request body is empty; expected a JSON object with " + new TreeSet<>(fields));
        }
        String text = StrictUtf8.decode(body);
        JsonNode root;
        try {
            root = reader.readTree(text);
        } catch (StreamConstraintsException e) {
            throw Rejected.badInput("request body is refused: JSON nested deeper than " + MAX_DEPTH
                    + " levels or a number longer than " + MAX_NUMBER_DIGITS + " digits");
        } catch (MismatchedInputException e) {
            throw Rejected.badInput("request body has more after the JSON object; send exactly one object");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw Rejected.badInput("request body is not valid JSON: " + firstLine(e.getOriginalMessage())
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
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

    private static String firstLine(String message) {
        int nl = message == null ? -1 : message.indexOf('\n');
        return message == null ? "" : nl < 0 ? message : message.substring(0, nl);
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
