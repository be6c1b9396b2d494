package io.ringroute.shard.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads typed fields from flat properties, remembering which keys were used so that the rest can be rejected by
 * name: a misspelt key must fail loudly, never fall back to a default. A file is read strictly: a key given twice
 * fails naming it, and values are trimmed. Errors are {@link IllegalArgumentException}s naming the source and the
 * key; the static parsers name only the key, for callers that name the source their own way.
 */
public final class ConfigReader {

    private final String source;
    private final Path directory;         // relative file names resolve here
    private final Map<String, String> values;
    private final Set<String> used = new HashSet<>();

    private ConfigReader(String source, Path directory, Map<String, String> values) {
        this.source = source;
        this.directory = directory;
        this.values = new TreeMap<>(values);
    }

    /** Reads a file strictly; an unreadable file fails naming it. */
    public static ConfigReader load(Path file) {
        try {
            return read(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read configuration file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a file strictly, for callers that report an unreadable file themselves. */
    public static ConfigReader read(Path file) throws IOException {
        Map<String, String> values = new TreeMap<>();
        Properties strict = new Properties() {
            @Override
            public synchronized Object put(Object key, Object value) {
                if (values.put((String) key, ((String) value).trim()) != null) {
                    throw new IllegalArgumentException(file + ": duplicate key '" + key + "'");
                }
                return super.put(key, value);
            }
        };
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            strict.load(in);
        }
        Path parent = file.toAbsolutePath().getParent();
        return new ConfigReader(file.toString(), parent == null ? Path.of("") : parent, values);
    }

    /** Reads properties already loaded; {@code source} names them in errors. */
    public static ConfigReader of(String source, Properties props) {
        Map<String, String> values = new TreeMap<>();
        props.stringPropertyNames().forEach(k -> values.put(k, props.getProperty(k).trim()));
        return new ConfigReader(source, Path.of(""), values);
    }

    public String source() {
        return source;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public String required(String key, String why) {
        String v = optional(key);
        if (v == null || v.isEmpty()) {
            throw error(key + " is missing (" + why + ")");
        }
        return v;
    }

    public String optional(String key) {
        used.add(key);
        return values.get(key);
    }

    public int intValue(String key, int fallback) {
        String v = optional(key);
        if (v == null) {
            return fallback;
        }
        try {
            return parseInt(key, v);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /** Every key, in order; reading them does not count as using them. */
    public Set<String> keys() {
        return Collections.unmodifiableSet(values.keySet());
    }

    /** The directory relative file names given in the configuration resolve against. */
    public Path directory() {
        return directory;
    }

    /** An integer, or an error naming the key and the bad value. */
    public static int parseInt(String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, was '" + value + "'");
        }
    }

    /** {@code true} or {@code false} exactly, or an error naming the key and the bad value. */
    public static boolean parseBoolean(String key, String value) {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, was '" + value + "'");
        };
    }

    public double doubleValue(String key, double fallback) {
        String v = optional(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw error(key + " must be a number, was '" + v + "'");
        }
    }

    /** "250ms", "2s", "1m" or ISO-8601 ("PT2S"). */
    public Duration duration(String key, Duration fallback) {
        String v = optional(key);
        if (v == null) {
            return fallback;
        }
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1).trim()));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1).trim()));
            }
            return Duration.parse(v);
        } catch (NumberFormatException | DateTimeParseException e) {
            throw error(key + " must be a duration like 250ms, 2s, 1m or PT2S, was '" + v + "'");
        }
    }

    /** The distinct next segments after a prefix: {@code children("shards.")} gives the shard names. */
    public Set<String> children(String prefix) {
        Set<String> out = new TreeSet<>();
        for (String k : values.keySet()) {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                String rest = k.substring(prefix.length());
                int dot = rest.indexOf('.');
                out.add(dot < 0 ? rest : rest.substring(0, dot));
            }
        }
        return out;
    }

    /** Fails on the first key under the prefix that no reader asked for. */
    public void rejectUnknown(String prefix, String known) {
        for (String k : values.keySet()) {
            if (k.startsWith(prefix) && !used.contains(k)) {
                throw error("unknown field '" + k + "' (known fields here: " + known + ")");
            }
        }
    }

    public IllegalArgumentException error(String message) {
        return new IllegalArgumentException(source + ": " + message);
    }
}
