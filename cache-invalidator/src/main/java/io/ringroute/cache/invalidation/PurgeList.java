package io.ringroute.cache.invalidation;

import java.util.List;
import javax.sql.DataSource;

/**
 * The cache nodes to empty before anyone reads them again, kept where every client process can read it.
 *
 * <p>The invalidator {@link #mark}s a node it could not deliver deletes to, every time it fails (each mark gets a
 * new generation). A {@link PurgeFollower} in each client process reads the list, empties each marked node it can
 * reach, and then {@link #unmark}s it at the generation it saw: if the node was marked again meanwhile, the mark
 * stays and the node is emptied again. So a node is always emptied after the last delivery it missed.
 *
 * <p>Implementations are thread-safe; every method fails with an unchecked exception when the store is
 * unreachable, and the invalidator then does not advance its slot.
 */
public interface PurgeList {

    /** Marks a node (again); returns the mark's new generation. */
    long mark(String node, String reason);

    /** The nodes marked now, by node id. */
    List<PurgeMark> marks();

    /** Removes a node's mark if it is still at {@code generation}; false if it was marked again (or is gone). */
    boolean unmark(String node, long generation);

    /**
     * A purge list in a PostgreSQL table ({@code <schema>.cache_purge}, created if missing), e.g. in the shard
     * router's topology catalog database. Each call takes one pooled connection and one autocommit statement.
     */
    static PurgeList inPostgres(DataSource dataSource, String schema) {
        return PostgresPurgeList.create(dataSource, schema);
    }
}
