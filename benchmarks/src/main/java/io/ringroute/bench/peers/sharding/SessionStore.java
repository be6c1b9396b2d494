package io.ringroute.bench.peers.sharding;

import java.sql.SQLException;

/** One system under test as the session workload sees it: a way to open a user session that writes and reads. */
interface SessionStore {

    String name();

    StoreSession session();

    /** One user's session: writes its own rows and reads rows back by key. */
    interface StoreSession {

        void write(String key, long value) throws SQLException;

        Read read(String key) throws SQLException;
    }

    /** What a read saw: the row's value (null if absent) and whether a standby answered it. */
    record Read(Long value, boolean fromReplica) {
    }
}
