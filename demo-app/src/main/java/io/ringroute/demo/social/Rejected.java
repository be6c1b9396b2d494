package io.ringroute.demo.social;

/** A request the demo refuses, with a message meant for the person who sent it. Nothing was written. */
public final class Rejected extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why: the web layer maps each to an HTTP status. */
    public enum Why { BAD_INPUT, NOT_FOUND, CONFLICT, UNAVAILABLE }

    private final Why why;

    public Rejected(Why why, String message) {
        super(message, null, false, false);
        this.why = why;
    }

    public static Rejected badInput(String message) {
        return new Rejected(Why.BAD_INPUT, message);
    }

    public static Rejected unknownUser(String id) {
        return new Rejected(Why.NOT_FOUND, "unknown user '" + id + "'");
    }

    public Why why() {
        return why;
    }
}
