package io.ringroute.shard.reshard;

import io.ringroute.shard.ShardedTable;
import io.ringroute.shard.WriteFence;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Row-change capture on a shard that is losing ranges: a trigger on every sharded table logs the token of each
 * inserted, updated or deleted row whose token lies in a range still leaving the shard. The resharder re-copies
 * those tokens after the bulk copy and, under the fence, until the log is empty. Installed for the duration of a
 * resharding only.
 */
final class ChangeCapture {

    private static final String S = WriteFence.SCHEMA;

    private ChangeCapture() {
    }

    /**
     * Installs capture for the given leaving ranges: the range table is filled first, then the triggers are
     * created (CREATE TRIGGER waits for in-flight writers, so every write that commits after it is logged).
     */
    static void install(Connection c, List<ShardedTable> tables, List<Segments> leaving) throws SQLException {
        inTransaction(c, st -> {
            st.execute("SELECT pg_advisory_xact_lock(" + (WriteFence.LOCK_KEY + 3) + ")");
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
                st.execute("DROP TRIGGER IF EXISTS ringroute_capture ON " + t.name());
                st.execute("CREATE TRIGGER ringroute_capture AFTER INSERT OR UPDATE OR DELETE ON " + t.name()
                        + " FOR EACH ROW EXECUTE FUNCTION " + S + ".capture_" + t.name() + "()");
            });
        }
    }

    /** Stops logging a range that has been handed over, and forgets its log. */
    static void forget(Connection c, Segments range) throws SQLException {
        try (PreparedStatement leaving = c.prepareStatement("DELETE FROM " + S + ".leaving WHERE lo = ? AND hi = ?");
             PreparedStatement log = c.prepareStatement("DELETE FROM " + S + ".changes WHERE tok BETWEEN ? AND ?")) {
            for (long[] p : range.parts()) {
                leaving.setLong(1, p[0]);
                leaving.setLong(2, p[1]);
                leaving.executeUpdate();
                log.setLong(1, p[0]);
                log.setLong(2, p[1]);
                log.executeUpdate();
            }
        }
    }

    /** Removes the triggers and empties the range table and the log. */
    static void uninstall(Connection c, List<ShardedTable> tables) throws SQLException {
        inTransaction(c, st -> {
            for (ShardedTable t : tables) {
                st.execute("DROP TRIGGER IF EXISTS ringroute_capture ON " + t.name());
                st.execute("DROP FUNCTION IF EXISTS " + S + ".capture_" + t.name() + "()");
            }
            st.execute("DROP TABLE IF EXISTS " + S + ".leaving");
            st.execute("DROP TABLE IF EXISTS " + S + ".changes");
            st.execute("DROP FUNCTION IF EXISTS " + S + ".log_change(text, bigint)");
        });
    }

    @FunctionalInterface
    private interface Ddl {
        void run(Statement st) throws SQLException;
    }

    private static void inTransaction(Connection c, Ddl ddl) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            ddl.run(st);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }
}
