package io.ringroute.demo.social;

/** Checks the free-text fields: lengths in Unicode code points (what a person counts as characters). */
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
        String v = value.strip();
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
}
