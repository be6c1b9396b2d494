package io.ringroute.cache.invalidation;

import java.util.List;
import java.util.Map;

/** What {@link PgOutput} reports, in WAL order; a transaction is {@code begin}, rows and truncates, {@code commit}. */
interface ChangeHandler {

    /** @param commitMicros the commit time, microseconds since the Unix epoch */
    void begin(long commitMicros);

    /** One row image; see {@link RowKeys} for what it holds. */
    void row(String table, Map<String, String> values);

    void truncate(List<String> tables);

    /** @param endLsn the end of the transaction's commit record: what to confirm once it was delivered */
    void commit(long endLsn);
}
