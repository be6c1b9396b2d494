package io.ringroute.bench.harness;

/** A problem with what the user asked for (bad option, unreadable key file): reported as a message, not a trace. */
public final class HarnessException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public HarnessException(String message) {
        super(message);
    }
}
