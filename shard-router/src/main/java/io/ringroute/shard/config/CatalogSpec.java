package io.ringroute.shard.config;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Where the topology catalog lives: a schema in a PostgreSQL database that every router and the resharder share,
 * and how often a router re-reads it when no notification arrives.
 *
 * @param server       the catalog database
 * @param schema       the schema that holds the catalog tables
 * @param pollInterval how often routers re-read the catalog besides LISTEN/NOTIFY
 * @param writeLeases  whether a router's pooled primary connections take write leases, so that their write units
 *                     skip the shard's write gate (one statement less per unit); routers release them before a
 *                     cutover, which ends the sessions of a router that did not (stopped, or cut off from the
 *                     catalog) and so needs the resharder's role to be allowed to (shard-router README, "Write
 *                     leases"). Off by default.
 */
public record CatalogSpec(ServerSpec server, String schema, Duration pollInterval, boolean writeLeases) {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public static final String DEFAULT_SCHEMA = "ringroute_catalog";
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    public CatalogSpec {
        if (server == null) {
            throw new IllegalArgumentException("catalog server must not be null");
        }
        if (schema == null || !IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException("catalog schema must be a lower-case SQL identifier, was '" + schema
                    + "'");
        }
        if (pollInterval == null || pollInterval.toMillis() < 10) {
            throw new IllegalArgumentException("catalog pollInterval must be >= 10ms, was " + pollInterval);
        }
    }

    /** Without write leases. */
    public CatalogSpec(ServerSpec server, String schema, Duration pollInterval) {
        this(server, schema, pollInterval, false);
    }

    public static CatalogSpec of(ServerSpec server) {
        return new CatalogSpec(server, DEFAULT_SCHEMA, DEFAULT_POLL_INTERVAL);
    }

    /**
     * How long routers have to release their write leases on a shard being fenced (they learn it from the catalog's
     * notification, else at their next poll) before its cutover ends the sessions of those that did not: two poll
     * intervals and 500 ms.
     */
    public Duration leaseGrace() {
        return pollInterval.multipliedBy(2).plusMillis(500);
    }

    /**
     * How long a leasing router goes without a successful catalog refresh before it stops using its leases (it may
     * be missing a cutover): two poll intervals and 250 ms, shorter than {@link #leaseGrace}, so a router cut off
     * from the catalog has let go of them before a cutover would wait for them.
     */
    public Duration leaseSilenceLimit() {
        return pollInterval.multipliedBy(2).plusMillis(250);
    }

    /** This catalog with write leases on or off. */
    public CatalogSpec withWriteLeases(boolean on) {
        return new CatalogSpec(server, schema, pollInterval, on);
    }

    @Override
    public String toString() {
        return "CatalogSpec{" + server.redactedUrl() + ", schema=" + schema + ", pollInterval="
                + pollInterval.toMillis() + "ms" + (writeLeases ? ", write leases" : "") + "}";
    }
}
