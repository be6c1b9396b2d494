package io.ringroute.demo.social;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What one browser (or API client) has written, carried between requests in a cookie or header: the shard
 * router's consistency token (the WAL positions of its writes, opaque here) and, per user it wrote as, the user
 * version that write produced. Reads use the first to pick a replica that has caught up and the second to refuse
 * cached copies older than the session's own writes.
 */
public final class Session {
    private static final String PREFIX = "s1.";
    private static final int MAX_USERS = 8;
    private static final Pattern VERSION_ENTRY = Pattern.compile("[a-z0-9_]{2,20}=\\d{1,18}");

    private String shardToken;
    private final Map<String, Long> versions;

    private Session(String shardToken, Map<String, Long> versions) {
        this.shardToken = shardToken;
        this.versions = versions;
    }

    /** A session that has written nothing: its reads may be served by any replica. */
    public static Session fresh() {
        return new Session("", new LinkedHashMap<>());
    }

    /** Parses what {@link #encode()} produced; a token that is not one is bad input. */
    public static Session decode(String token) {
        if (token == null || token.isEmpty()) {
            return fresh();
        }
        String[] parts = token.startsWith(PREFIX) ? token.substring(PREFIX.length()).split("\\.", -1) : new String[0];
        if (parts.length != 2) {
            throw Rejected.badInput("consistency token is malformed (expected what an earlier response sent)");
        }
        try {
            String shard = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
            String list = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            Map<String, Long> versions = new LinkedHashMap<>();
            if (!list.isEmpty()) {
                for (String entry : list.split(",")) {
                    if (!VERSION_ENTRY.matcher(entry).matches() || versions.size() == MAX_USERS) {
                        throw Rejected.badInput("consistency token is malformed (bad user version list)");
                    }
                    int eq = entry.indexOf('=');
                    versions.put(entry.substring(0, eq), Long.parseLong(entry.substring(eq + 1)));
                }
            }
            return new Session(shard, versions);
        } catch (IllegalArgumentException e) {
            throw Rejected.badInput("consistency token is malformed (not base64url)");
        }
    }

    public String encode() {
        StringBuilder list = new StringBuilder();
        versions.forEach((user, v) -> list.append(list.length() == 0 ? "" : ",").append(user).append('=').append(v));
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return PREFIX + b64.encodeToString(shardToken.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(list.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The shard router's token; empty when the session wrote nothing. */
    public String shardToken() {
        return shardToken;
    }

    public void shardToken(String token) {
        this.shardToken = token;
    }

    public boolean hasWritten() {
        return !shardToken.isEmpty() || !versions.isEmpty();
    }

    /** The oldest version of this user's data the session may be shown (0: anything). */
    long minVersion(Handle user) {
        return versions.getOrDefault(user.value(), 0L);
    }

    /** Remembers a write made as {@code profile.id()}; keeps the most recent users only, so the token stays small. */
    void wrote(Profile profile) {
        Long before = versions.remove(profile.id());
        versions.put(profile.id(), before == null ? profile.version() : Math.max(before, profile.version()));
        if (versions.size() > MAX_USERS) {
            versions.remove(versions.keySet().iterator().next());
        }
    }
}
