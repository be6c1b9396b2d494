package io.ringroute.shard;

/**
 * A {@link ConsistencyToken}'s text form was refused; {@link #problem()} says why. An
 * {@link IllegalArgumentException}: the token is bad input from a client, never a server failure.
 */
public final class InvalidTokenException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** What was wrong with the token. */
    public enum Problem {
        /** null or empty */
        EMPTY,
        /** not URL-safe base64 */
        NOT_BASE64,
        /** a format version this router does not read (version 1 had no integrity check) */
        UNSUPPORTED_VERSION,
        /** the integrity tag does not match: corrupted, forged, or signed with a secret this router lacks */
        INTEGRITY,
        /** the tag matched but the content does not parse (a bug of the writer) */
        MALFORMED
    }

    private final Problem problem;

    InvalidTokenException(Problem problem, String message) {
        super("consistency token refused (" + problem.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                + "): " + message);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
