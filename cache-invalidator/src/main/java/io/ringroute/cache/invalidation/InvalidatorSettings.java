package io.ringroute.cache.invalidation;

import java.time.Duration;
import java.util.List;

/**
 * What a {@link CacheInvalidator} was built with; validated by its builder.
 *
 * @param marker the prefix of the logical decoding message that marks a transaction as changing no cached value,
 *     or null to decode no messages
 */
record InvalidatorSettings(String url, String user, String password, String slot, String publication,
        List<String> tables, Duration callTimeout, int maxBatchKeys, String marker) {

    /** The JDBC URL without its query (which may hold credentials). */
    String redactedUrl() {
        return redact(url);
    }

    static String redact(String jdbcUrl) {
        int q = jdbcUrl.indexOf('?');
        return q < 0 ? jdbcUrl : jdbcUrl.substring(0, q);
    }

    @Override
    public String toString() {
        return "InvalidatorSettings{" + redactedUrl() + ", slot " + slot + ", publication " + publication + "}";
    }
}
