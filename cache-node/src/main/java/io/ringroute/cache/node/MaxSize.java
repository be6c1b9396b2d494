package io.ringroute.cache.node;

import java.util.Locale;

/**
 * How much a cache node may hold before it evicts: a number of entries, or megabytes of heap used by the map.
 *
 * <p>Hazelcast enforces an entry bound per partition, so the real limit is approximate (a little under the figure).
 *
 * @param value  entries or megabytes, > 0
 * @param unit   what {@code value} counts
 */
public record MaxSize(int value, Unit unit) {

    /** What a {@link MaxSize} counts. */
    public enum Unit {
        ENTRIES,
        HEAP_MEGABYTES
    }

    public MaxSize {
        if (unit == null) {
            throw new IllegalArgumentException("max size unit must not be null");
        }
        if (value < 1) {
            throw new IllegalArgumentException("max size must be > 0, was " + value);
        }
    }

    public static MaxSize entries(int count) {
        return new MaxSize(count, Unit.ENTRIES);
    }

    public static MaxSize heapMegabytes(int megabytes) {
        return new MaxSize(megabytes, Unit.HEAP_MEGABYTES);
    }

    /**
     * Parses {@code 100000} or {@code 100k} (entries) and {@code 256MB} or {@code 2GB} (heap). Case-insensitive.
     *
     * @throws IllegalArgumentException naming the text when it is neither
     */
    public static MaxSize parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("max size must be a count (100000, 100k) or a heap size (256MB, 2GB),"
                    + " was " + (text == null ? "null" : "\"" + text + "\""));
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("mb")) {
                return heapMegabytes(Integer.parseInt(t.substring(0, t.length() - 2).trim()));
            }
            if (t.endsWith("gb")) {
                return heapMegabytes(Math.multiplyExact(Integer.parseInt(t.substring(0, t.length() - 2).trim()), 1024));
            }
            if (t.endsWith("k")) {
                return entries(Math.multiplyExact(Integer.parseInt(t.substring(0, t.length() - 1).trim()), 1000));
            }
            if (t.endsWith("m")) {
                return entries(Math.multiplyExact(Integer.parseInt(t.substring(0, t.length() - 1).trim()), 1_000_000));
            }
            return entries(Integer.parseInt(t));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("max size must be a count (100000, 100k) or a heap size (256MB, 2GB),"
                    + " was \"" + text + "\"", e);
        }
    }

    @Override
    public String toString() {
        return unit == Unit.ENTRIES ? value + " entries" : value + "MB of heap";
    }
}
