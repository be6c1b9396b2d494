package io.ringroute.shard.reshard;

import io.ringroute.shard.WriteFence;
import io.ringroute.shard.catalog.ShardedTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Row-change capture on a shard that is losing ranges: a trigger on every sharded table logs the token of each
 * inserted, updated or deleted row whose token lies in a range still leaving the shard. The resharder re-copies
 * those tokens after the bulk copy and, under the fence, until the log is empty. Enabled for the duration of a
 * resharding only.
 */
final class ChangeCapture {

    private static final String S = WriteFence.SCHEMA;
    private static final String TRIGGER = "ringroute_capture";
    private static final String SETTING = "ringroute.capture";

    private ChangeCapture() {
    }

    /**
     * Installs capture for the given leaving ranges: the range table is filled first, then the triggers are
     * created or re-enabled (that waits for in-flight writers, so every write that commits after it is logged).
     */
    static void install(Connection c, List<ShardedTable> tables, List<Segments> leaving) throws SQLException {
        inTransaction(c, st -> {
            // serializes concurrent installers; the keys above the gate's: +1 fence install, +2 resharder, +3 catalog
            // set-up (the catalog may share a database with a shard), +4 this
            st.execute("SELECT pg_advisory_xact_lock(" + (WriteFence.LOCK_KEY + 4) + ")");
            st.execute("CREATE TABLE IF NOT EXISTS " + S + ".leaving (lo bigint NOT NULL, hi bigint NOT NULL)");
            st.execute("CREATE INDEX IF NOT EXISTS leaving_hi ON " + S + ".leaving (hi)");
            st.execute("CREATE TABLE IF NOT EXISTS " + S + ".changes (seq bigserial PRIMARY KEY, tbl text NOT NULL,"
                    + " tok bigint NOT NULL)");
            st.execute("CREATE INDEX IF NOT EXISTS changes_tbl_tok ON " + S + ".changes (tbl, tok)");
            st.execute("CREATE OR REPLACE FUNCTION " + S + ".log_change(t text, token bigint) RETURNS void"
                    + " LANGUAGE plpgsql AS $$\n"
                    + "DECLARE l bigint;\n"
                    + "BEGIN\n"
                    + "  SELECT lo INTO l FROM " + S + ".leaving WHERE hi >= token ORDER BY hi LIMIT 1;\n"
                    + "  IF FOUND AND l <= token THEN\n"
                    + "    INSERT INTO " + S + ".changes (tbl, tok) VALUES (t, token);\n"
                    + "  END IF;\n"
                    + "END $$");
            // replaced in one transaction: triggers left by an interrupted run must never see it empty
            st.execute("DELETE FROM " + S + ".leaving");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + S + ".leaving (lo, hi) VALUES (?, ?)")) {
                for (Segments s : leaving) {
                    for (long[] p : s.parts()) {
                        ps.setLong(1, p[0]);
                        ps.setLong(2, p[1]);
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
        });
        for (ShardedTable t : tables) {
            String tok = t.tokenColumn();
            inTransaction(c, st -> {
                st.execute("CREATE OR REPLACE FUNCTION " + S + ".capture_" + t.name() + "() RETURNS trigger"
                        + " LANGUAGE plpgsql AS $$\n"
                        + "BEGIN\n"
                        + "  IF TG_OP <> 'INSERT' THEN PERFORM " + S + ".log_change('" + t.name() + "', OLD." + tok
                        + "); END IF;\n"
                        + "  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW." + tok + " <> OLD." + tok + ") THEN\n"
                        + "    PERFORM " + S + ".log_change('" + t.name() + "', NEW." + tok + ");\n"
                        + "  END IF;\n"
                        + "  RETURN NULL;\n"
                        + "END $$");
                // CREATE OR REPLACE (also re-enabling a trigger left disabled): DROP TRIGGER would take an ACCESS
                // EXCLUSIVE lock and queue readers. The WHEN test runs without entering PL/pgSQL.
                st.execute("CREATE OR REPLACE TRIGGER " + TRIGGER + " AFTER INSERT OR UPDATE OR DELETE ON " + t.name()
                        + " FOR EACH ROW WHEN (current_setting('" + SETTING + "', true) IS DISTINCT FROM 'off')"
                        + " EXECUTE FUNCTION " + S + ".capture_" + t.name() + "()");
            });
        }
    }

    /** The oldest log entries of {@code table} in {@code tokens}, at most {@code limit}. */
    static Logged next(Connection c, String table, Segments tokens, int limit) throws SQLException {
        List<Long> seqs = new ArrayList<>();
        Set<Long> distinct = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, tok FROM " + S + ".changes WHERE tbl = ? AND "
                + tokens.condition("tok") + " ORDER BY seq LIMIT ?")) {
            ps.setString(1, table);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    seqs.add(rs.getLong(1));
                    distinct.add(rs.getLong(2));
                }
            }
        }
        return new Logged(seqs.toArray(Long[]::new), distinct.stream().mapToLong(Long::longValue).toArray());
    }

    /** Deletes log entries whose tokens have been re-copied. */
    static void consume(Connection c, Logged entries) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + S + ".changes WHERE seq = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("bigint", entries.seqs()));
            ps.executeUpdate();
        }
    }

    /**
     * Forgets the log of {@code tokens}: called right before their bulk copy, whose snapshot holds every change
     * logged so far, so that the catch-up re-copies only what changed after it.
     */
    static void discard(Connection c, Segments tokens) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.executeUpdate("DELETE FROM " + S + ".changes WHERE " + tokens.condition("tok"));
        }
    }

    /** Stops logging ranges that have been handed over, and forgets their log (one round trip). */
    static void forget(Connection c, Segments tokens) throws SQLException {
        StringBuilder pairs = new StringBuilder();
        for (long[] p : tokens.parts()) {
            pairs.append(pairs.length() == 0 ? "" : ", ").append('(').append(p[0]).append(", ").append(p[1])
                    .append(')');
        }
        try (Statement st = c.createStatement()) {
            st.execute("DELETE FROM " + S + ".leaving WHERE (lo, hi) IN (" + pairs + "); DELETE FROM " + S
                    + ".changes WHERE " + tokens.condition("tok"));
        }
    }

    /**
     * Log entries read together: their sequence numbers (to delete them once handled) and their distinct tokens.
     */
    record Logged(Long[] seqs, long[] tokens) {

        boolean isEmpty() {
            return seqs.length == 0;
        }
    }

    /**
     * Ends capture: disables the triggers and drops the range table and the log. The triggers stay, disabled, on
     * the tables because dropping one takes an ACCESS EXCLUSIVE lock that readers would queue behind; disabling
     * one waits only for writers. The next resharding enables them again.
     *
     * <p>Each table is disabled in a transaction of its own: a transaction that held one table's lock while
     * waiting for the next would deadlock with an application transaction writing both tables in the other order.
     * The log tables are dropped last, once no enabled trigger can touch them.
     */
    static void uninstall(Connection c, List<ShardedTable> tables) throws SQLException {
        for (ShardedTable t : tables) {
            inTransaction(c, st -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_trigger WHERE tgrelid = ?::regclass"
                        + " AND tgname = '" + TRIGGER + "' AND tgenabled <> 'D'")) {
                    ps.setString(1, t.name());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            st.execute("ALTER TABLE " + t.name() + " DISABLE TRIGGER " + TRIGGER);
                        }
                    }
                }
            });
        }
        inTransaction(c, st -> {
            st.execute("DROP TABLE IF EXISTS " + S + ".leaving");
            st.execute("DROP TABLE IF EXISTS " + S + ".changes");
        });
    }

    /**
     * Exempts the session's own writes from capture: the resharder never writes, on a shard, rows of a range that
     * is leaving that shard (it writes arriving ranges and deletes handed-over ones), so logging them is waste.
     */
    static void exempt(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET " + SETTING + " = 'off'");
        }
    }

    @FunctionalInterface
    private interface Ddl {
        void run(Statement st) throws SQLException;
    }

    private static void inTransaction(Connection c, Ddl ddl) throws SQLException {
        ShardConnections.inTransaction(c, st -> {
            ddl.run(st);
            return 0;
        });
    }
}
