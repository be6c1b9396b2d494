package io.ringroute.shard.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * What a write unit runs on the server before its first statement (with a catalog the shard's write fence, always
 * the key's token), and whether it has run in the current transaction. A plain {@code prepareStatement(sql)} made
 * while it has not run carries it: the statement is prepared as {@code <entry>; <sql>}, which pgjdbc sends behind
 * the same Sync, so the entry costs no round trip of its own and the server still runs it first. Any other
 * statement, a savepoint or an unwrap runs it on its own first. It is transaction-local on the server (a
 * transaction-level lock, {@code set_config(..., true)}), so a commit or rollback ends it and the next statement
 * enters again.
 *
 * <p>An entry that only binds the token (a router without a catalog: no fence) is needed only by a statement that
 * may insert rows, whose token column defaults to it: a prepared {@code UPDATE} or {@code DELETE} runs without it,
 * and the unit's next other statement carries it. (A trigger of such a statement that inserts into a sharded table
 * then finds no token: its {@code NOT NULL} token column refuses the row.)
 *
 * <p>Internal: public only for the router's write path in {@code io.ringroute.shard}.
 */
public final class UnitEntry {

    /** Sets the entry's parameters, which come first in every statement that carries it. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private final String sql;
    private final int parameters;
    private final Binder binder;
    private final boolean tokenOnly;
    private boolean entered;
    private boolean commitAttempted;
    private SQLException failure;

    /**
     * An entry of one statement, {@code sql}, whose {@code parameters} placeholders {@code binder} sets;
     * {@code tokenOnly} if all it does is bind the token (see the class comment).
     */
    public UnitEntry(String sql, int parameters, Binder binder, boolean tokenOnly) {
        this.sql = sql;
        this.parameters = parameters;
        this.binder = binder;
        this.tokenOnly = tokenOnly;
    }

    /** Whether a statement prepared as {@code sql} needs the entry: all do but an update or delete of a token-only one. */
    boolean neededBy(String sql) {
        return !tokenOnly || !startsWithUpdateOrDelete(sql);
    }

    /** The first keyword, after blanks and comments, is UPDATE or DELETE (a WITH may hold an INSERT: needed). */
    private static boolean startsWithUpdateOrDelete(String sql) {
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (sql.startsWith("--", i)) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);   // nested comments: not closed here, so not skipped
                if (end < 0 || sql.lastIndexOf("/*", end) != i) {
                    return false;
                }
                i = end + 2;
            } else {
                return keywordAt(sql, i, "update") || keywordAt(sql, i, "delete");
            }
        }
        return false;
    }

    private static boolean keywordAt(String sql, int i, String word) {
        int end = i + word.length();
        return sql.regionMatches(true, i, word, 0, word.length())
                && (end == sql.length() || !Character.isLetterOrDigit(sql.charAt(end)) && sql.charAt(end) != '_');
    }

    /**
     * The last failure of a statement that ran the entry, in this transaction: the entry's own (a fence refusal)
     * or that statement's. Null if none.
     */
    public SQLException failure() {
        return failure;
    }

    /** The statement {@code sql} prepared to carry the entry, or null once the entry has run. */
    String carrier(String sql) {
        return entered ? null : this.sql + "; " + sql;
    }

    int parameters() {
        return parameters;
    }

    /** Runs the entry on its own if it has not run in this transaction. */
    public void enterAlone(Connection target) throws SQLException {
        if (entered) {
            return;
        }
        try (PreparedStatement ps = target.prepareStatement(sql)) {
            binder.bind(ps);
            ps.execute();
        } catch (SQLException e) {
            failure = e;
            throw e;
        }
        entered = true;
    }

    /**
     * Executes a statement prepared by {@link #carrier}: the entry, then the statement, in one round trip.
     * Returns whether the statement's own first result is a result set (the entry's result is skipped).
     */
    boolean executeCarrier(PreparedStatement carrier) throws SQLException {
        binder.bind(carrier);
        try {
            carrier.execute();
        } catch (SQLException e) {
            failure = e;
            throw e;
        }
        entered = true;
        return carrier.getMoreResults();
    }

    /** Whether the entry has run in the current transaction. */
    public boolean passed() {
        return entered;
    }

    /** Whether the work asked for a commit of its own (which may have committed even if it failed). */
    public boolean commitAttempted() {
        return commitAttempted;
    }

    /** The work is about to commit a transaction of the unit. */
    void committing() {
        commitAttempted = true;
    }

    /** The transaction ended (a commit or rollback in the unit): the next statement must enter again. */
    void transactionEnded() {
        entered = false;
        failure = null;
    }
}
