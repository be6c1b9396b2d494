package io.ringroute.shard;

import io.ringroute.ring.TokenLayout;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads typed fields from flat properties, remembering which keys were used so that the rest can be rejected by
 * name: a misspelt key must fail loudly, never fall back to a default.
 */
final class ConfigReader {

    private final String source;
    private final Path directory;         // relative file names resolve here
    private final Map<String, String> values;
    private final Set<String> used = new HashSet<>();

    ConfigReader(String source, Path directory, Map<String, String> values) {
        this.source = source;
        this.directory = directory;
        this.values = new TreeMap<>(values);
    }

    static ConfigReader load(Path file) {
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
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read configuration file " + file + ": " + e.getMessage(), e);
        }
        Path parent = file.toAbsolutePath().getParent();
        return new ConfigReader(file.toString(), parent == null ? Path.of("") : parent, values);
    }

    static ConfigReader of(String source, Properties props) {
        Map<String, String> values = new TreeMap<>();
        props.stringPropertyNames().forEach(k -> values.put(k, props.getProperty(k).trim()));
        return new ConfigReader(source, Path.of(""), values);
    }

    String source() {
        return source;
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    String required(String key, String why) {
        String v = optional(key);
        if (v == null || v.isEmpty()) {
            throw error(key + " is missing (" + why + ")");
        }
        return v;
    }

    String optional(String key) {
        used.add(key);
        return values.get(key);
    }

    int intValue(String key, int fallback) {
        String v = optional(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw error(key + " must be an integer, was '" + v + "'");
        }
    }

    double doubleValue(String key, double fallback) {
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
    Duration duration(String key, Duration fallback) {
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

    /**
     * The token layout named by {@code <prefix>file} (a path, relative to the configuration file's directory) or
     * {@code <prefix>text} (the layout's text itself), checked by {@link TokenLayout#parse}; null when neither is
     * set. A bad checksum, a malformed layout or an unreadable file fails naming the key.
     */
    TokenLayout layout(String prefix) {
        String file = optional(prefix + "file");
        String text = optional(prefix + "text");
        if (file != null && text != null) {
            throw error("set " + prefix + "file or " + prefix + "text, not both");
        }
        if (file == null && text == null) {
            return null;
        }
        String key = file != null ? prefix + "file" : prefix + "text";
        if (file != null) {
            Path path = directory.resolve(file);
            try {
                text = Files.readString(path, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw error(key + ": cannot read the token layout file " + path + " (" + e.getMessage() + ")");
            }
        }
        try {
            return TokenLayout.parse(text);
        } catch (IllegalArgumentException e) {
            throw error(key + ": " + e.getMessage());
        }
    }

    /** The distinct next segments after a prefix: {@code children("shards.")} gives the shard names. */
    Set<String> children(String prefix) {
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

    /** A server's fields under a prefix such as {@code shards.a.primary.}. */
    ServerSpec server(String prefix, String what) {
        ServerSpec.Builder b;
        try {
            b = ServerSpec.builder(required(prefix + "url", what + " needs a JDBC URL"));
            String user = optional(prefix + "user");
            if (user != null) {
                b.user(user);
            }
            b.password(optional(prefix + "password"));
            if (has(prefix + "maxPoolSize")) {
                b.maxPoolSize(intValue(prefix + "maxPoolSize", 0));
            }
            if (has(prefix + "minIdle")) {
                b.minIdle(intValue(prefix + "minIdle", 0));
            }
            if (has(prefix + "connectionTimeout")) {
                b.connectionTimeout(duration(prefix + "connectionTimeout", null));
            }
            if (has(prefix + "socketTimeout")) {
                b.socketTimeout(duration(prefix + "socketTimeout", null));
            }
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(source) ? e : error(prefix + "*: " + e.getMessage());
        }
        rejectUnknown(prefix, "url, user, password, maxPoolSize, minIdle, connectionTimeout, socketTimeout");
        return b.build();
    }

    /** Fails on the first key under the prefix that no reader asked for. */
    void rejectUnknown(String prefix, String known) {
        for (String k : values.keySet()) {
            if (k.startsWith(prefix) && !used.contains(k)) {
                throw error("unknown field '" + k + "' (known fields here: " + known + ")");
            }
        }
    }

    IllegalArgumentException error(String message) {
        return new IllegalArgumentException(source + ": " + message);
    }
}
