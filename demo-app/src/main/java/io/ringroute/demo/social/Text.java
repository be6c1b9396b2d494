package io.ringroute.demo.social;

/**
 * Checks the free-text fields: lengths in Unicode code points (what a person counts as characters) after
 * {@link #strip(String)}. The page's counter (app.js {@code countCodePoints}) applies the same rule, so the two agree.
 */
final class Text {
    static final int MAX_POST = 280;
    static final int MAX_NAME = 50;
    static final int MAX_BIO = 160;

    private Text() {
    }

    static String post(String text) {
        return check("post text", text, 1, MAX_POST, true);
    }

    static String name(String name) {
        return check("name", name, 1, MAX_NAME, false);
    }

    static String bio(String bio) {
        return check("bio", bio, 0, MAX_BIO, true);
    }

    private static String check(String field, String value, int min, int max, boolean newlinesAllowed) {
        if (value == null) {
            throw Rejected.badInput(field + " is missing");
        }
        String v = strip(value);
        int length = v.codePointCount(0, v.length());
        if (length < min) {
            throw Rejected.badInput(field + " is empty");
        }
        if (length > max) {
            throw Rejected.badInput(field + " is " + length + " characters long; the limit is " + max);
        }
        for (int i = 0; i < v.length(); ) {
            int cp = v.codePointAt(i);
            boolean newline = cp == '\n' || cp == '\r';
            if (Character.isISOControl(cp) && !(newline && newlinesAllowed)) {
                throw Rejected.badInput(field + " contains the control character U+"
                        + String.format("%04X", cp) + " at character " + (v.codePointCount(0, i) + 1));
            }
            if (Character.getType(cp) == Character.SURROGATE) {
                throw Rejected.badInput(field + " contains an unpaired surrogate at character "
                        + (v.codePointCount(0, i) + 1));
            }
            i += Character.charCount(cp);
        }
        return v;
    }

    /**
     * Removes leading and trailing blanks: spaces and separators of every kind (Unicode Zs, Zl, Zp: no-break
     * spaces included), control characters (Cc), format characters (Cf: U+200B zero-width space, U+FEFF, U+2060
     * word joiner ...) and the Hangul fillers that render as nothing. A text of only such characters becomes empty.
     */
    static String strip(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && blank(value.codePointAt(start))) {
            start += Character.charCount(value.codePointAt(start));
        }
        while (end > start && blank(value.codePointBefore(end))) {
            end -= Character.charCount(value.codePointBefore(end));
        }
        return value.substring(start, end);
    }

    private static boolean blank(int cp) {
        return switch (Character.getType(cp)) {
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.CONTROL, Character.FORMAT -> true;
            default -> cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0;
        };
    }
}
