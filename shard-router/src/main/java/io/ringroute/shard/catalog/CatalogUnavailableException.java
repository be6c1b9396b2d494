package io.ringroute.shard.catalog;

import io.ringroute.shard.config.CatalogSpec;
import java.sql.SQLTransientConnectionException;

/**
 * The topology catalog could not be reached, or its connection was lost during a step that the message names.
 * Transient: the catalog is reconnected (with backoff) on the next call, except by a resharder, whose run ends
 * because its lock lived on the lost connection.
 */
public final class CatalogUnavailableException extends SQLTransientConnectionException {

    private static final long serialVersionUID = 1L;

    private final String catalog;

    /** {@code detail} completes "the topology catalog at URL ...", e.g. "is unreachable: ...". */
    CatalogUnavailableException(CatalogSpec spec, String detail, Throwable cause) {
        super("the topology catalog at " + spec.server().redactedUrl() + " " + detail, "08006", cause);
        this.catalog = spec.server().redactedUrl();
    }

    /** The catalog's redacted URL. */
    public String catalog() {
        return catalog;
    }
}
