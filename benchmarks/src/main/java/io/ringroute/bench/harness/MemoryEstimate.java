package io.ringroute.bench.harness;

/**
 * Retained-size estimates from array lengths and element sizes on a 64-bit JVM with compressed references (12-byte
 * object headers, 16-byte array headers, 8-byte alignment). An estimate, stated as such in every report: shared
 * objects such as node names are not counted.
 */
final class MemoryEstimate {

    static final int REFERENCE = 4;
    static final int LONG = 8;
    /** A TreeMap entry (key, value, left, right, parent, colour) plus its boxed Long key. */
    static final int TREE_MAP_ENTRY_WITH_LONG_KEY = 40 + 16;

    private MemoryEstimate() {
    }

    /** An array of {@code length} elements of {@code elementBytes} each. */
    static long array(long length, int elementBytes) {
        return align(16 + length * elementBytes);
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }
}
