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

    /**
     * Whether the open transaction's rows are wanted: false once a handler knows it drops them all (a marked
     * transaction, whose marker comes first), so that the decoder skips them instead of building their maps.
     */
    boolean wantsRows();

    void truncate(List<String> tables);

    /**
     * A message written with {@code pg_logical_emit_message}; a transactional one is part of the transaction being
     * decoded, the others stand alone. Only the prefix is reported: the content is the writer's business.
     */
    void message(boolean transactional, String prefix);

    /** @param endLsn the end of the transaction's commit record: what to confirm once it was delivered */
    void commit(long endLsn);
}
