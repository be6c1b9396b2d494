package io.ringroute.demo.social;

import java.util.regex.Pattern;

/**
 * A user's id, which is also the shard key: every row about a user (profile, follows, posts, likes of their posts)
 * lives on the shard the ring names for this string.
 */
public record Handle(String value) {
    private static final Pattern VALID = Pattern.compile("[a-z0-9_]{2,20}");

    public Handle {
        if (value == null || value.isEmpty()) {
            throw Rejected.badInput("user id is missing");
        }
        if (!VALID.matcher(value).matches()) {
            throw Rejected.badInput("user id '" + printable(value)
                    + "' must be 2 to 20 characters of a-z, 0-9 and _");
        }
    }

    public static Handle of(String value) {
        return new Handle(value);
    }

    @Override
    public String toString() {
        return value;
    }

    /** Shows a rejected value without echoing control characters or a novel back. */
    static String printable(String s) {
        String cut = s.codePointCount(0, s.length()) > 40 ? s.substring(0, s.offsetByCodePoints(0, 40)) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
