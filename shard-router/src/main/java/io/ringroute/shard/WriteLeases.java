package io.ringroute.shard;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import org.postgresql.PGConnection;

/**
 * The pooled primary connections of one router that hold a write lease ({@link WriteFence}, "Write leases"), each
 * with the topology epoch whose unit took it. A lease proves that no cutover has left the shard since it was taken,
 * so it stands in for the gate only for a unit routed at that epoch or a newer one: a unit routed earlier (its
 * table read before the router learned of a cutover that another thread's unit has already passed) still passes
 * the gate, which refuses it. Keyed by the physical connection, which the pool keeps for its life (and whose end
 * releases the lease on the server), weakly, so a connection the pool closed leaves the map with it.
 */
final class WriteLeases {

    private static final long NONE = -1;

    private final Map<PGConnection, Long> held = Collections.synchronizedMap(new WeakHashMap<>());

    /** The epoch of the unit that took {@code c}'s lease, or -1 if it holds none. */
    long epoch(Connection c) throws SQLException {
        return held.getOrDefault(c.unwrap(PGConnection.class), NONE);
    }

    /** Whether a unit routed at {@code epoch} may skip the gate on {@code c}. */
    boolean covers(Connection c, long epoch) throws SQLException {
        long leased = epoch(c);
        return leased != NONE && leased <= epoch;
    }

    /**
     * Takes a lease on {@code c}, whose unit, routed at {@code epoch}, has passed the gate in its open transaction
     * (so no cutover can be running), unless it holds one. None is taken while a cutover is revoking leases on the
     * shard: the unit goes on without one.
     */
    void take(Connection c, long epoch) throws SQLException {
        PGConnection physical = c.unwrap(PGConnection.class);
        if (held.containsKey(physical)) {
            return;
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(WriteFence.TAKE_LEASE_SQL)) {
            rs.next();
            if (rs.getBoolean(1)) {
                held.put(physical, epoch);
            }
        }
    }
}
