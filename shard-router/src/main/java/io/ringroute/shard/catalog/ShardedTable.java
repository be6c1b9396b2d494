package io.ringroute.shard.catalog;

import io.ringroute.ring.KeyHash;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A table whose rows are spread over the shards by a key column, carrying the key's ring token
 * ({@link KeyHash#token(String)} of the key's text form) in an indexed BIGINT column, so that a token range is one
 * index range scan. The column's default is the token the router binds to each write unit, so inserts through the
 * router fill it without naming it. Immutable.
 *
 * @param name        table name (lower-case identifier, in the connection's schema)
 * @param keyColumn   the sharding key
 * @param tokenColumn the BIGINT token column
 * @param primaryKey  the primary key columns
 */
public record ShardedTable(String name, String keyColumn, String tokenColumn, List<String> primaryKey) {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final int BACKFILL_BATCH = 1000;

    public ShardedTable {
        requireIdentifier("table name", name, name);
        requireIdentifier("key column", keyColumn, name);
        requireIdentifier("token column", tokenColumn, name);
        if (primaryKey == null || primaryKey.isEmpty()) {
            throw new IllegalArgumentException("table " + name + ": primary key columns are required");
        }
        primaryKey.forEach(c -> requireIdentifier("primary key column", c, name));
        primaryKey = List.copyOf(primaryKey);
    }

    /** A table with the default token column name {@code ring_token}. */
    public static ShardedTable of(String name, String keyColumn, String... primaryKey) {
        return new ShardedTable(name, keyColumn, "ring_token", List.of(primaryKey));
    }

    /**
     * Adds the token column to an existing table on one shard, fills it for existing rows, makes it NOT NULL and
     * indexes it. Idempotent; run it on every shard primary.
     */
    public void addTokenColumn(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("ALTER TABLE " + name + " ADD COLUMN IF NOT EXISTS " + tokenColumn + " bigint"
                    + " DEFAULT NULLIF(current_setting('ringroute.token', true), '')::bigint");
            String select = "SELECT " + keyColumn + "::text FROM " + name + " WHERE " + tokenColumn + " IS NULL"
                    + " LIMIT " + BACKFILL_BATCH;
            String update = "UPDATE " + name + " SET " + tokenColumn + " = ? WHERE " + keyColumn + "::text = ?";
            while (true) {
                int n = 0;
                try (ResultSet rs = st.executeQuery(select); PreparedStatement ps = c.prepareStatement(update)) {
                    while (rs.next()) {
                        String key = rs.getString(1);
                        ps.setLong(1, KeyHash.token(key));
                        ps.setString(2, key);
                        ps.addBatch();
                        n++;
                    }
                    ps.executeBatch();
                }
                if (n < BACKFILL_BATCH) {
                    break;
                }
            }
            st.execute("ALTER TABLE " + name + " ALTER COLUMN " + tokenColumn + " SET NOT NULL");
            st.execute("CREATE INDEX IF NOT EXISTS " + name + "_" + tokenColumn + "_idx ON " + name + " ("
                    + tokenColumn + ")");
        }
    }

    /** Fails naming the shard, table and column when the table or its token column is missing. */
    public void requirePresent(Connection c, String shard) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT data_type FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?")) {
            for (String column : List.of(keyColumn, tokenColumn)) {
                ps.setString(1, name);
                ps.setString(2, column);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("shard '" + shard + "': table " + name + " has no column "
                                + column + (column.equals(tokenColumn)
                                ? " (add it with ShardedTable.addTokenColumn or `reshard add-token-column`)" : ""));
                    }
                    if (column.equals(tokenColumn) && !rs.getString(1).equals("bigint")) {
                        throw new IllegalStateException("shard '" + shard + "': token column " + name + "."
                                + column + " is " + rs.getString(1) + ", not bigint");
                    }
                }
            }
        }
    }

    private static void requireIdentifier(String what, String value, String table) {
        if (value == null || !IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException("table " + table + ": " + what + " must be a lower-case SQL"
                    + " identifier, was '" + value + "'");
        }
    }
}
