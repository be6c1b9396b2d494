package io.ringroute.cache.invalidation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys of the transactions decoded since the last delivery. Only whole transactions join it: keys of a
 * transaction still being decoded wait in {@code open} until its commit arrives. A transaction that carries the
 * marker message (its writer's word that it changes no value anyone caches, as the resharder's copies and clean-ups
 * do) contributes no keys and is not counted as a commit to deliver: nothing waits for it.
 */
final class Batch implements ChangeHandler {

    private final RowKeys mapping;
    /** Key to the row version it is invalidated below, or {@link Long#MIN_VALUE} for none (see {@link #merge}). */
    private final Map<String, Long> open = new LinkedHashMap<>();
    private final Map<String, Long> keys = new LinkedHashMap<>();
    private final List<String> openTruncated = new ArrayList<>();
    private final List<String> truncated = new ArrayList<>();
    private long openCommitMicros;
    private long[] commitMicros = new long[16];
    private int transactions;
    private long endLsn;
    private boolean inTransaction;
    private final String marker;
    private boolean marked;
    private long markedTransactions;

    /** @param marker the prefix of the message that marks a transaction as changing no cached value, or null */
    Batch(RowKeys mapping, String marker) {
        this.mapping = mapping;
        this.marker = marker;
    }

    @Override
    public void begin(long commitMicros) {
        inTransaction = true;
        openCommitMicros = commitMicros;
    }

    @Override
    public boolean wantsRows() {
        return !marked;
    }

    @Override
    public void row(String table, Map<String, String> values) {
        var mapped = mapping.keys(table, values);
        if (mapped == null) {
            throw new IllegalStateException("RowKeys " + mapping + " returned null for a row of " + table
                    + " (return an empty collection for rows nothing is cached from)");
        }
        for (String k : mapped) {
            if (k == null || k.isEmpty()) {
                throw new IllegalStateException("RowKeys " + mapping + " returned a " + (k == null ? "null" : "empty")
                        + " key for a row of " + table);
            }
            open.merge(k, mapping.version(table, values, k), Batch::merge);
        }
    }

    @Override
    public void truncate(List<String> tables) {
        if (!marked) {
            openTruncated.addAll(tables);
        }
    }

    @Override
    public void message(boolean transactional, String prefix) {
        if (transactional && inTransaction && prefix.equals(marker)) {
            marked = true;
            open.clear();
            openTruncated.clear();
        }
    }

    @Override
    public void commit(long lsn) {
        inTransaction = false;
        if (marked) {
            marked = false;
            markedTransactions++;
            return; // confirmed with whatever is delivered next, or when the stream goes idle
        }
        open.forEach((k, v) -> keys.merge(k, v, Batch::merge));
        open.clear();
        truncated.addAll(openTruncated);
        openTruncated.clear();
        if (transactions == commitMicros.length) {
            commitMicros = java.util.Arrays.copyOf(commitMicros, transactions * 2);
        }
        commitMicros[transactions++] = openCommitMicros;
        endLsn = lsn;
    }

    boolean inTransaction() {
        return inTransaction;
    }

    /** Marked transactions decoded so far (never delivered: they change no cached value). */
    long markedTransactions() {
        return markedTransactions;
    }

    /** Whether whole transactions wait for delivery. */
    boolean hasCommits() {
        return transactions > 0;
    }

    int transactions() {
        return transactions;
    }

    long commitMicros(int i) {
        return commitMicros[i];
    }

    /** The keys to invalidate, each with the row version it is invalidated below ({@link Long#MIN_VALUE}: none). */
    Map<String, Long> keys() {
        return keys;
    }

    /** A key changed twice: the later (higher) row version; a key also changed without one gets none. */
    private static long merge(long a, long b) {
        return a == Long.MIN_VALUE || b == Long.MIN_VALUE ? Long.MIN_VALUE : Math.max(a, b);
    }

    /** Tables truncated by the batch's transactions: their keys cannot be listed, so every node is purged. */
    List<String> truncated() {
        return truncated;
    }

    /** The end LSN of the batch's last commit. */
    long endLsn() {
        return endLsn;
    }

    /** Forgets the delivered transactions; a transaction being decoded stays. */
    void delivered() {
        keys.clear();
        truncated.clear();
        transactions = 0;
    }
}
