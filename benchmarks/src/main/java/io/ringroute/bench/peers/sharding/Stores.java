package io.ringroute.bench.peers.sharding;

import io.ringroute.bench.peers.sharding.SessionStore.Read;
import io.ringroute.bench.peers.sharding.SessionStore.StoreSession;
import io.ringroute.ring.HashRing;
import io.ringroute.shard.Consistency;
import io.ringroute.shard.Session;
import io.ringroute.shard.ShardRouter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;

/** The three systems compared, each on its own copy of the table (same keys, same rows, same statements). */
final class Stores {

    private Stores() {
    }

    /** ringroute's shard router: writes to the key's primary, SESSION reads (a standby only once it replayed). */
    static SessionStore ringroute(ShardRouter router, String table) {
        return new SessionStore() {
            @Override
            public String name() {
                return "ringroute ShardRouter (SESSION)";
            }

            @Override
            public StoreSession session() {
                Session s = router.session();
                return new StoreSession() {
                    @Override
                    public void write(String key, long value) throws SQLException {
                        s.write(key, c -> ProfileRows.put(c, table, key, value));
                    }

                    @Override
                    public Read read(String key) throws SQLException {
                        return s.read(key, Consistency.SESSION, c -> ProfileRows.get(c, table, key));
                    }
                };
            }
        };
    }

    /** Any JDBC data source that routes by itself: ShardingSphere-JDBC here. */
    static SessionStore dataSource(String name, DataSource ds, String table) {
        StoreSession session = new StoreSession() {
            @Override
            public void write(String key, long value) throws SQLException {
                try (Connection c = ds.getConnection()) {
                    ProfileRows.put(c, table, key, value);
                }
            }

            @Override
            public Read read(String key) throws SQLException {
                try (Connection c = ds.getConnection()) {
                    return ProfileRows.get(c, table, key);
                }
            }
        };
        return named(name, session);
    }

    /**
     * The floor: a bare HikariCP pool per shard primary, every read and write on the primary of the key's shard
     * (picked with the ring, a lookup of well under a microsecond).
     */
    static SessionStore barePrimary(HashRing ring, Map<String, ? extends DataSource> primaries, String table) {
        StoreSession session = new StoreSession() {
            @Override
            public void write(String key, long value) throws SQLException {
                try (Connection c = primaries.get(ring.primary(key).id()).getConnection()) {
                    ProfileRows.put(c, table, key, value);
                }
            }

            @Override
            public Read read(String key) throws SQLException {
                try (Connection c = primaries.get(ring.primary(key).id()).getConnection()) {
                    return ProfileRows.get(c, table, key);
                }
            }
        };
        return named("bare HikariCP (primary)", session);
    }

    private static SessionStore named(String name, StoreSession session) {
        return new SessionStore() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public StoreSession session() {
                return session;
            }
        };
    }
}
