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
        super("shard '" + shard + "' " + role.name().toLowerCase(java.util.Locale.ROOT) + " is unavailable: " + detail,
                "08006", cause);
        this.shard = shard;
        this.role = role;
    }

    public String shard() {
        return shard;
    }

    public Role role() {
        return role;
    }
}
