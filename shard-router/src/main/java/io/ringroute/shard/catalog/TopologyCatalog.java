package io.ringroute.shard.catalog;

import io.ringroute.ring.Node;
import io.ringroute.ring.RangeMove;
import io.ringroute.ring.TokenLayout;
import io.ringroute.ring.TokenRange;
import io.ringroute.shard.DirectConnections;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.ShardTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The topology shared by every router and the resharder: the ring members and epoch, the moves of an unfinished
 * resharding and their state, the per-shard cutover floors, and the registered sharded tables. A schema in a
 * PostgreSQL database; every change that bumps the epoch also sends {@code NOTIFY <schema>_topology} so routers
 * learn of it at once.
 *
 * <p>One connection per instance, opened by {@link DirectConnections}; methods are synchronized. A lost connection
 * fails the call with {@link CatalogUnavailableException} naming the step, and the next call reconnects, no sooner
 * than a backoff (100 ms doubling to 5 s) after the last failed attempt. Once {@link #tryLockResharder()} has
 * taken the resharder lock, a lost connection is final (the lock went with it). Every transaction runs under a
 * statement and lock timeout (the step timeout), so a locked catalog row cannot stall a caller.
 */
public final class TopologyCatalog implements AutoCloseable {

    private static final long RESHARDER_LOCK = 0x72696e67726f7574L + 2;
    /** The step timeout of {@link #connect(CatalogSpec)}. */
    public static final Duration DEFAULT_STEP_TIMEOUT = Duration.ofSeconds(5);

    private final CatalogSpec spec;
    private final String s;
    private final CatalogConnection db;

    private TopologyCatalog(CatalogSpec spec, String applicationName, Duration stepTimeout) {
        this.spec = spec;
        this.s = spec.schema();
        this.db = new CatalogConnection(spec, applicationName, stepTimeout);
    }

    /** Connects; an unreachable catalog fails with its (redacted) URL named. */
    public static TopologyCatalog connect(CatalogSpec spec) throws SQLException {
        return connect(spec, "ringroute-catalog", DEFAULT_STEP_TIMEOUT);
    }

    /**
     * Connects as {@code applicationName}, bounding every catalog transaction by {@code stepTimeout} (statement
     * and lock timeout); an unreachable catalog fails with its (redacted) URL named.
     */
    public static TopologyCatalog connect(CatalogSpec spec, String applicationName, Duration stepTimeout)
            throws SQLException {
        if (spec == null) {
            throw new IllegalArgumentException("catalog spec must not be null");
        }
        if (stepTimeout == null || stepTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("catalog stepTimeout must be >= 1ms, was " + stepTimeout);
        }
        TopologyCatalog catalog = new TopologyCatalog(spec, applicationName, stepTimeout);
        synchronized (catalog) {
            catalog.db.open();
        }
        return catalog;
    }

    public CatalogSpec spec() {
        return spec;
    }

    /** The channel routers LISTEN on. */
    public String channel() {
        return s + "_topology";
    }

    /**
     * Creates the catalog schema if missing (or adds what this version needs to a catalog created by an earlier
     * one) and, if the catalog holds no topology yet, seeds it with this one at epoch 1, with its token layout if
     * it has one. An existing topology is kept: the catalog, not a router's configuration, says who owns what.
     *
     * <p>A catalog with a layout records 0 virtual nodes, so that a router of a version before layouts fails to
     * build its ring from it instead of routing by random vnodes.
     */
    public synchronized CatalogSnapshot initialize(ShardTopology initial) throws SQLException {
        db.inTransaction("creating the catalog schema", c -> {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(" + (RESHARDER_LOCK + 1) + ")");
                st.execute("CREATE SCHEMA IF NOT EXISTS " + s);
                st.execute("CREATE TABLE IF NOT EXISTS " + s + ".topology (id int PRIMARY KEY CHECK (id = 1),"
                        + " epoch bigint NOT NULL, vnodes int NOT NULL, members text NOT NULL, target text,"
                        + " updated_at timestamptz NOT NULL DEFAULT now(), layout text, target_layout text)");
                addLayoutColumns(c, st);
                st.execute("CREATE TABLE IF NOT EXISTS " + s + ".moves (idx int PRIMARY KEY,"
                        + " range_start bigint NOT NULL, range_end bigint NOT NULL, from_shard text NOT NULL,"
                        + " to_shard text NOT NULL, state text NOT NULL, rows_copied bigint NOT NULL DEFAULT 0,"
                        + " updated_at timestamptz NOT NULL DEFAULT now())");
                st.execute("CREATE TABLE IF NOT EXISTS " + s + ".floors (shard text PRIMARY KEY, lsn bigint NOT NULL)");
                st.execute("CREATE TABLE IF NOT EXISTS " + s + ".sharded_tables (name text PRIMARY KEY,"
                        + " key_column text NOT NULL, token_column text NOT NULL, primary_key text NOT NULL)");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + s + ".topology (id, epoch, vnodes,"
                    + " members, layout) VALUES (1, 1, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
                ps.setInt(1, initial.layout().isPresent() ? 0 : initial.vnodesPerShard());
                ps.setString(2, format(weights(initial)));
                ps.setString(3, initial.layout().map(TokenLayout::toText).orElse(null));
                ps.executeUpdate();
            }
            return null;
        });
        return snapshot();
    }

    /**
     * Adds the layout columns to a topology table created before layouts, only when they are missing: ALTER TABLE
     * takes an exclusive lock even with IF NOT EXISTS, and every router runs this at start.
     */
    private void addLayoutColumns(Connection c, Statement st) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_attribute WHERE attrelid = ?::regclass"
                + " AND attname IN ('layout', 'target_layout') AND NOT attisdropped")) {
            ps.setString(1, s + ".topology");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) == 2) {
                    return;
                }
            }
        }
        st.execute("ALTER TABLE " + s + ".topology ADD COLUMN IF NOT EXISTS layout text,"
                + " ADD COLUMN IF NOT EXISTS target_layout text");
    }

    /** Everything, read in one snapshot. */
    public synchronized CatalogSnapshot snapshot() throws SQLException {
        return db.inTransaction("reading the topology", c -> {
            try (Statement st = c.createStatement()) {
                long epoch;
                int vnodes;
                Map<String, Double> members;
                Optional<Map<String, Double>> target;
                Optional<TokenLayout> layout;
                Optional<TokenLayout> targetLayout;
                // the layouts through to_jsonb: a catalog of an earlier version, not yet migrated by a router of
                // this one, has no such columns and reads as random vnodes
                try (ResultSet rs = st.executeQuery("SELECT epoch, vnodes, members, target, to_jsonb(t) ->> 'layout',"
                        + " to_jsonb(t) ->> 'target_layout' FROM " + s + ".topology t WHERE id = 1")) {
                    if (!rs.next()) {
                        throw new SQLException("the topology catalog " + s + " at " + spec.server().redactedUrl()
                                + " holds no topology: initialize it first");
                    }
                    epoch = rs.getLong(1);
                    vnodes = rs.getInt(2);
                    members = parse(rs.getString(3));
                    target = Optional.ofNullable(rs.getString(4)).map(TopologyCatalog::parse);
                    layout = layout(rs.getString(5), "layout");
                    targetLayout = layout(rs.getString(6), "target_layout");
                }
                List<CatalogMove> moves = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT idx, range_start, range_end, from_shard, to_shard,"
                        + " state, rows_copied FROM " + s + ".moves ORDER BY idx")) {
                    while (rs.next()) {
                        moves.add(new CatalogMove(rs.getInt(1), new TokenRange(rs.getLong(2), rs.getLong(3)),
                                rs.getString(4), rs.getString(5), MoveState.valueOf(rs.getString(6)),
                                rs.getLong(7)));
                    }
                }
                Map<String, Long> floors = new HashMap<>();
                try (ResultSet rs = st.executeQuery("SELECT shard, lsn FROM " + s + ".floors")) {
                    while (rs.next()) {
                        floors.put(rs.getString(1), rs.getLong(2));
                    }
                }
                return new CatalogSnapshot(epoch, vnodes, members, layout, target, targetLayout, moves, floors);
            }
        }, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    }

    /** The current epoch only: the cheap check routers poll. */
    public synchronized long epoch() throws SQLException {
        return db.call("reading the epoch", c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT epoch FROM " + s + ".topology WHERE id = 1")) {
                if (!rs.next()) {
                    throw new SQLException("the topology catalog " + s + " holds no topology");
                }
                return rs.getLong(1);
            }
        });
    }

    // ---- resharding ----------------------------------------------------------------------------------------

    /**
     * Takes the resharder's session lock on the catalog database; false if another resharder holds it. Released
     * when this catalog is closed (or its process dies).
     */
    public synchronized boolean tryLockResharder() throws SQLException {
        return db.call("taking the resharder lock", c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_try_advisory_lock(" + RESHARDER_LOCK + ")")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    db.holdsSessionLock();
                }
                return rs.getBoolean(1);
            }
        });
    }

    /**
     * Records the target, its token layout (when the catalog places shards by layout) and the plan's moves, all
     * PENDING. Refused if a resharding is already recorded.
     */
    public synchronized void beginResharding(Map<String, Double> target, Optional<TokenLayout> targetLayout,
                                             List<RangeMove> moves) throws SQLException {
        db.inTransaction("recording the resharding", c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT target FROM " + s + ".topology WHERE id = 1 FOR UPDATE")) {
                rs.next();
                if (rs.getString(1) != null) {
                    throw new IllegalStateException("a resharding to " + rs.getString(1) + " is already recorded");
                }
            }
            try (Statement st = c.createStatement()) {
                addLayoutColumns(c, st);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + s + ".topology SET target = ?,"
                    + " target_layout = ?, updated_at = now() WHERE id = 1")) {
                ps.setString(1, format(target));
                ps.setString(2, targetLayout.map(TokenLayout::toText).orElse(null));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + s + ".moves (idx, range_start,"
                    + " range_end, from_shard, to_shard, state) VALUES (?, ?, ?, ?, ?, 'PENDING')")) {
                for (int i = 0; i < moves.size(); i++) {
                    RangeMove m = moves.get(i);
                    ps.setInt(1, i);
                    ps.setLong(2, m.range().start());
                    ps.setLong(3, m.range().end());
                    ps.setString(4, m.from().id());
                    ps.setString(5, m.to().id());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    public synchronized void setMoveState(int index, MoveState state) throws SQLException {
        setMoveState(List.of(index), state);
    }

    /**
     * Sets the state of several moves in one statement, and notifies the routers (so that those taking write
     * leases stop on a shard about to be fenced: {@link #fencingShards}).
     */
    public synchronized void setMoveState(List<Integer> indices, MoveState state) throws SQLException {
        db.call("marking " + moves(indices) + " " + state, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + s + ".moves SET state = ?,"
                    + " updated_at = now() WHERE idx = ANY(?); SELECT pg_notify(?, ?)")) {
                ps.setString(1, state.name());
                ps.setArray(2, c.createArrayOf("integer", indices.toArray()));
                ps.setString(3, channel());
                ps.setString(4, state.name());
                ps.execute();
                return ps.getUpdateCount();
            }
        });
    }

    /** The shards that moves being fenced (state FENCING) leave: their cutover may come at any moment. */
    public synchronized Set<String> fencingShards() throws SQLException {
        return db.call("reading the shards being fenced", c -> {
            Set<String> out = new HashSet<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT DISTINCT from_shard FROM "
                    + s + ".moves WHERE state = '" + MoveState.FENCING.name() + "'")) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return Set.copyOf(out);
        });
    }

    public synchronized void addRowsCopied(int index, long rows) throws SQLException {
        db.call("counting the rows of move " + index, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + s + ".moves SET rows_copied = rows_copied"
                    + " + ?, updated_at = now() WHERE idx = ?")) {
                ps.setLong(1, rows);
                ps.setInt(2, index);
                return ps.executeUpdate();
            }
        });
    }

    /**
     * Hands a range to its new owner: epoch {@code newEpoch} (must be the current epoch plus one), the move MOVED,
     * the new owner's floor raised to {@code floorLsn}, and a notification, in one transaction.
     */
    public synchronized void handOver(int index, long newEpoch, String newOwner, long floorLsn) throws SQLException {
        handOver(List.of(index), newEpoch - 1, newOwner, floorLsn);
    }

    /**
     * Hands several ranges to one new owner in one transaction: the epoch grows from {@code epoch} (must be the
     * current one) by one per move, as if they were handed over one by one, the moves become MOVED, the new owner's
     * floor is raised to {@code floorLsn}, and routers are notified of the last epoch.
     */
    public synchronized void handOver(List<Integer> indices, long epoch, String newOwner, long floorLsn)
            throws SQLException {
        long newEpoch = epoch + indices.size();
        // one round trip for the four statements (pgjdbc sends them behind one Sync), then the commit: a cutover
        // holds writers for the whole transaction
        db.inTransaction("handing " + moves(indices) + " over to '" + newOwner + "' at epoch " + newEpoch, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + s + ".topology SET epoch = ?,"
                    + " updated_at = now() WHERE id = 1 AND epoch = ?;"
                    + " UPDATE " + s + ".moves SET state = ?, updated_at = now() WHERE idx = ANY(?);"
                    + " INSERT INTO " + s + ".floors (shard, lsn) VALUES (?, ?) ON CONFLICT (shard) DO UPDATE SET"
                    + " lsn = GREATEST(" + s + ".floors.lsn, EXCLUDED.lsn);"
                    + " SELECT pg_notify(?, ?)")) {
                ps.setLong(1, newEpoch);
                ps.setLong(2, epoch);
                ps.setString(3, MoveState.MOVED.name());
                ps.setArray(4, c.createArrayOf("integer", indices.toArray()));
                ps.setString(5, newOwner);
                ps.setLong(6, floorLsn);
                ps.setString(7, channel());
                ps.setString(8, Long.toString(newEpoch));
                ps.execute();
                if (ps.getUpdateCount() != 1) {       // rolled back with the rest, notification included
                    throw new IllegalStateException("the catalog epoch is no longer " + epoch
                            + ": another process changed the topology during the resharding");
                }
            }
            return null;
        });
    }

    /**
     * Ends a resharding: the target (and its layout) becomes the members, the moves are dropped, the epoch grows by
     * one.
     */
    public synchronized long complete() throws SQLException {
        return db.inTransaction("completing the resharding", c -> {
            long epoch;
            try (Statement st = c.createStatement()) {
                addLayoutColumns(c, st);       // a resharding begun by an earlier version
            }
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("UPDATE " + s + ".topology SET members = target, target = NULL,"
                         + " layout = target_layout, target_layout = NULL, epoch = epoch + 1, updated_at = now() WHERE id = 1 AND target IS NOT NULL"
                         + " RETURNING epoch")) {
                if (!rs.next()) {
                    throw new IllegalStateException("no resharding is recorded in the catalog");
                }
                epoch = rs.getLong(1);
                st.execute("DELETE FROM " + s + ".moves");
            }
            notifyRouters(c, epoch);
            return epoch;
        });
    }

    // ---- sharded tables ------------------------------------------------------------------------------------

    /** Registers (or re-registers) a sharded table for resharding. */
    public synchronized void registerTable(ShardedTable table) throws SQLException {
        db.call("registering table " + table.name(), c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + s + ".sharded_tables (name,"
                    + " key_column, token_column, primary_key) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET"
                    + " key_column = EXCLUDED.key_column, token_column = EXCLUDED.token_column,"
                    + " primary_key = EXCLUDED.primary_key")) {
                ps.setString(1, table.name());
                ps.setString(2, table.keyColumn());
                ps.setString(3, table.tokenColumn());
                ps.setString(4, String.join(",", table.primaryKey()));
                return ps.executeUpdate();
            }
        });
    }

    public synchronized List<ShardedTable> tables() throws SQLException {
        return db.call("reading the sharded tables", c -> {
            List<ShardedTable> out = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT name, key_column,"
                    + " token_column, primary_key FROM " + s + ".sharded_tables ORDER BY name")) {
                while (rs.next()) {
                    out.add(new ShardedTable(rs.getString(1), rs.getString(2), rs.getString(3),
                            List.of(rs.getString(4).split(","))));
                }
            }
            return out;
        });
    }

    @Override
    public synchronized void close() {
        db.releaseSessionLocks();
        db.close();
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static String moves(List<Integer> indices) {
        return indices.size() == 1 ? "move " + indices.get(0) : "moves " + indices;
    }

    private void notifyRouters(Connection c, long epoch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, channel());
            ps.setString(2, Long.toString(epoch));
            ps.execute();
        }
    }

    private Optional<TokenLayout> layout(String text, String column) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(TokenLayout.parse(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the topology catalog " + s + " at " + spec.server().redactedUrl()
                    + " holds a bad token layout in " + column + ": " + e.getMessage(), e);
        }
    }

    static Map<String, Double> weights(ShardTopology topology) {
        Map<String, Double> out = new TreeMap<>(Node.ID_ORDER);
        topology.shards().forEach(sh -> out.put(sh.name(), sh.weight()));
        return out;
    }

    static String format(Map<String, Double> weights) {
        Map<String, Double> sorted = new TreeMap<>(Node.ID_ORDER);
        sorted.putAll(weights);
        return sorted.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new TreeMap<>(Node.ID_ORDER);
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            out.put(part.substring(0, eq), Double.parseDouble(part.substring(eq + 1)));
        }
        return out;
    }
}
