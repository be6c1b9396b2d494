package io.ringroute.shard;

import java.sql.SQLTransientConnectionException;

/**
 * A shard's server could not be reached (or stopped answering) within its bounded timeouts. A
 * {@link java.sql.SQLException} so that JDBC code and exception translators see it as a connection failure.
 */
public class ShardUnavailableException extends SQLTransientConnectionException {

    private static final long serialVersionUID = 1L;

    private final String shard;
    private final Role role;

    public ShardUnavailableException(String shard, Role role, String detail, Throwable cause) {
        this("shard '" + shard + "' " + describe(role) + " is unavailable: " + detail, "08006", shard, role, cause);
    }

    ShardUnavailableException(String message, String sqlState, String shard, Role role, Throwable cause) {
        super(message, sqlState, cause);
        this.shard = shard;
        this.role = role;
    }

    static String describe(Role role) {
        return role.name().toLowerCase(java.util.Locale.ROOT);
    }

    public String shard() {
        return shard;
    }

    public Role role() {
        return role;
    }
}
