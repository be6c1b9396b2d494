package io.ringroute.shard.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which prepared statements a token-only unit entry may leave out: those that cannot insert a row themselves. */
class UnitEntryStatementTest {

    private static final UnitEntry TOKEN_ONLY = new UnitEntry("SELECT 1", 0, ps -> { }, true);
    private static final UnitEntry FENCE = new UnitEntry("SELECT 1", 0, ps -> { }, false);

    @Test
    void anUpdateOrDeleteAfterBlanksAndCommentsDoesWithoutATokenOnlyEntry() {
        for (String sql : new String[]{"UPDATE t SET v = 1", "  delete from t", "\n\t-- why\nUpdate t SET v = 2",
            "/* a */ /* b */DELETE FROM t WHERE k = ?", "update\tt set v = 3"}) {
            assertThat(TOKEN_ONLY.neededBy(sql)).as(sql).isFalse();
        }
    }

    @Test
    void everythingElseNeedsIt() {
        for (String sql : new String[]{"INSERT INTO t VALUES (1)", "WITH x AS (INSERT INTO t VALUES (1) RETURNING 1)"
                + " UPDATE u SET v = 1", "SELECT insert_row()", "updated_at_func()", "UPDATES", "update_t()",
            "/* unclosed UPDATE t", "/* /* nested */ */ UPDATE t SET v = 1", "COPY t FROM STDIN", "MERGE INTO t",
            "", "   ", "-- only a comment"}) {
            assertThat(TOKEN_ONLY.neededBy(sql)).as(sql).isTrue();
        }
    }

    @Test
    void aFenceEntryIsNeededByEveryStatement() {
        assertThat(FENCE.neededBy("UPDATE t SET v = 1")).isTrue();
        assertThat(FENCE.neededBy("DELETE FROM t")).isTrue();
    }
}
