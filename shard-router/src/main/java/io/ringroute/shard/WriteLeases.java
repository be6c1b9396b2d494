package io.ringroute.shard;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import org.postgresql.PGConnection;

/**
 * The pooled primary connections of one router that hold a write lease ({@link WriteFence}, "Write leases"): their
 * units skip the write gate. Keyed by the physical connection, which the pool keeps for its life (and whose end
 * releases the lease on the server), weakly, so a connection the pool closed leaves the set with it.
 */
final class WriteLeases {

    private final Set<PGConnection> held = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    /** Whether the pooled connection {@code c} holds a lease. */
    boolean holds(Connection c) throws SQLException {
        return held.contains(c.unwrap(PGConnection.class));
    }

    /**
     * Takes a lease on {@code c}, whose unit has passed the gate in its open transaction (so no cutover can be
     * running): false if a cutover is revoking leases on the shard, and the unit goes on without one.
     */
    boolean take(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(WriteFence.TAKE_LEASE_SQL)) {
            rs.next();
            if (rs.getBoolean(1)) {
                held.add(c.unwrap(PGConnection.class));
                return true;
            }
            return false;
        }
    }
}
