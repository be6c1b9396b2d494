package io.ringroute.cache.invalidation;

import java.util.List;
import java.util.Map;

/**
 * What {@link PgOutput} reports, in WAL order; a transaction is {@code begin}, rows, truncates and messages,
 * {@code commit}.
 */
interface ChangeHandler {

    /** @param commitMicros the commit time, microseconds since the Unix epoch */
    void begin(long commitMicros);

    /** One row image; see {@link RowKeys} for what it holds. */
    void row(String table, Map<String, String> values);

    void truncate(List<String> tables);

    /**
     * A message written with {@code pg_logical_emit_message}; a transactional one is part of the transaction being
     * decoded, the others stand alone. Only the prefix is reported: the content is the writer's business.
     */
    void message(boolean transactional, String prefix);

    /** @param endLsn the end of the transaction's commit record: what to confirm once it was delivered */
    void commit(long endLsn);
}
