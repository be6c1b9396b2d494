package io.ringroute.ring;

import java.util.Arrays;

/**
 * Finds the arc of a token ({@link TokenSearch#arcIndex}, bit for bit) and its precomputed replica row, most of the
 * time with one memory access and no token compare: a table of cells, one per bucket of the tokens' top bits (sign
 * bit flipped, so that unsigned order is signed order), four to eight buckets per token and at most
 * 2^{@value #MAX_BITS}.
 *
 * <ul>
 *   <li>A bucket that holds no token lies inside one arc, the answer for every key in the bucket (about four lookups
 *       in five). When the row's node positions fit 31 bits together (rows of 3 up to 1024 nodes, of 2 up to 32768),
 *       the cell is the row itself, position k in bits {@code [k * b, (k + 1) * b)}, {@code b} the bits of a
 *       position: the lookup reads nothing else. Otherwise the cell is the arc's position.</li>
 *   <li>A bucket that holds a token has a cell {@code < 0}: in its low {@code p} bits the position of its first token
 *       ({@code p} the bits of a token position, at most 29). When that token is the bucket's only one, bit 30 is set
 *       if the bucket before holds no token, bit 29 if the bucket after holds none, and bits {@code [p, 29)} hold the
 *       token's next {@code 29 - p} bits below the bucket bits (11 at 256,000 tokens, 14 at 32,000). Those bits order
 *       a key of the bucket against its token without reading it, unless the key's bits equal them: a key below the
 *       token is in the token's arc, which the cell of an empty bucket before also holds, a key above it in the next
 *       token's arc, which the cell of an empty bucket after holds, so the lookup reads that neighbouring cell
 *       (usually in the same cache line) and neither the tokens nor the replica lists. With a token in the
 *       neighbour on the key's side the arc is the token's or the next one's. A key whose bits equal the token's,
 *       and every key of a bucket with two tokens or more or of a one-token bucket between two token buckets
 *       (neither bit set), scans the tokens from the first (the few of the bucket, then at most the first token
 *       after it).</li>
 *   <li>When rows pack, every arc's packed row is also kept in one {@code int} per token, so that the lookups that
 *       end on an arc rather than a cell (about one in fifteen at 256,000 random tokens) read 4 bytes from a third
 *       of the memory the replica lists take, and {@link #find} always answers with a packed row.</li>
 * </ul>
 *
 * <p>Measured in benchmarks/README.md, "Token lookup against JumpBackHash".
 */
final class TokenIndex {

    static final int MAX_BITS = 20;
    /** Tokens the index can hold: token cells keep a token position in at most 29 bits. */
    static final int MAX_TOKENS = 1 << 29;

    /** Empty cells {@link #arcIndex} reads before it searches the tokens instead. */
    private static final int ARC_SCAN = 64;

    private static final int LOW = 1 << 30;         // in a token cell: its one token, no token in the bucket before
    private static final int HIGH = 1 << 29;        // in a token cell: its one token, no token in the bucket after

    private final long[] tokens;
    private final int[] rows;       // width node positions per token, primary first
    private final int width;
    private final int shift;        // 64 - index bits
    private final int mask;         // buckets - 1
    private final int rowBits;      // bits per position in a packed row; 0 when cells hold arc positions
    private final int rowMask;
    private final int firstBits;    // bits of a token position in a token cell
    private final int firstMask;
    private final int keyShift;     // from a flipped token to its 29 - firstBits bits below the bucket bits
    private final int keyMask;
    private final int[] cells;
    private final int[] packed;     // every arc's packed row when rowBits > 0, else null

    /**
     * An index over sorted distinct tokens (not empty) and their replica rows ({@code width >= 1} positions in
     * {@code 0 .. nodeCount - 1} per token).
     */
    TokenIndex(long[] tokens, int[] rows, int width, int nodeCount) {
        if (tokens.length > MAX_TOKENS) {
            throw new IllegalArgumentException(tokens.length + " tokens, the index holds at most " + MAX_TOKENS);
        }
        this.tokens = tokens;
        this.rows = rows;
        this.width = width;
        int bits = bits(tokens.length);
        this.shift = 64 - bits;
        int positionBits = width(nodeCount);
        this.rowBits = positionBits * width <= 31 ? positionBits : 0;
        this.rowMask = (1 << rowBits) - 1;
        this.firstBits = width(tokens.length);
        this.firstMask = (1 << firstBits) - 1;
        this.keyShift = shift - (29 - firstBits);
        this.keyMask = (1 << (29 - firstBits)) - 1;
        int buckets = 1 << bits;
        this.mask = buckets - 1;
        this.cells = new int[buckets];
        this.packed = rowBits == 0 ? null : packedRows(tokens.length);
        int b = 0;                  // the first bucket not yet filled
        for (int i = 0; i < tokens.length; i++) {
            int own = bucket(tokens[i]);
            if (own >= b) {         // token i is its bucket's first: the buckets before it lie inside arc i
                Arrays.fill(cells, b, own, rowBits == 0 ? i : packed[i]);
                cells[own] = Integer.MIN_VALUE | i;
                b = own + 1;
            }
        }
        Arrays.fill(cells, b, buckets, rowBits == 0 ? 0 : packed[0]);   // above the last token: the arc wraps
        for (int c = 0; c < buckets; c++) {
            int first = cells[c] & firstMask;
            if (cells[c] < 0 && (first + 1 == tokens.length || bucket(tokens[first + 1]) != c)) {
                cells[c] |= (cells[(c - 1) & mask] >= 0 ? LOW : 0) | (cells[(c + 1) & mask] >= 0 ? HIGH : 0)
                        | keyBits(tokens[first]) << firstBits;
            }
        }
    }

    private int bucket(long token) {
        return (int) ((token ^ Long.MIN_VALUE) >>> shift);
    }

    /** The token's {@code 29 - firstBits} bits below its bucket bits: their order within a bucket is the tokens'. */
    private int keyBits(long token) {
        return (int) ((token ^ Long.MIN_VALUE) >>> keyShift) & keyMask;
    }

    /** The bytes of the index's own arrays, the cells and the packed rows ({@link HashRing#retainedBytes}). */
    long retainedBytes() {
        return HashRing.arrayBytes(cells.length, Integer.BYTES)
                + (packed == null ? 0 : HashRing.arrayBytes(packed.length, Integer.BYTES));
    }

    /** Four to eight buckets per token, at most 2^{@value #MAX_BITS}. */
    static int bits(int tokenCount) {
        return Math.min(MAX_BITS, width(tokenCount) + 2);
    }

    /** Bits to hold the values 0 .. count - 1, at least 1. */
    private static int width(int count) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(count - 1));
    }

    private int[] packedRows(int arcs) {
        int[] out = new int[arcs];
        for (int i = 0; i < arcs; i++) {
            out[i] = packedRow(i);
        }
        return out;
    }

    private int packedRow(int arc) {
        int row = 0;
        for (int k = 0; k < width; k++) {
            row |= rows[arc * width + k] << (k * rowBits);
        }
        return row;
    }

    /**
     * The key's row, for {@link #position}: its packed row ({@code >= 0}) when rows pack, else the complement
     * {@code ~arc} of its arc's position ({@code < 0}).
     */
    int find(long token) {
        int b = bucket(token);
        int c = cells[b];
        return c < 0 ? inTokenBucket(b, c, token) : rowBits == 0 ? ~c : c;
    }

    /** {@link #find} for a key in the bucket of token cell {@code c}. */
    private int inTokenBucket(int b, int c, long token) {
        // d < 0: the key's bits are below the token's, d > 0 above; the neighbour on that side picked without a
        // branch on the key (one in two), the one test being whether it is empty
        int d = keyBits(token) - ((c >>> firstBits) & keyMask);
        if (d != 0 && (c & (HIGH << (d >>> 31))) != 0) {
            int n = cells[(b + ((d >> 31) | 1)) & mask];
            return rowBits == 0 ? ~n : n;
        }
        int a = arc(c, d, token);
        return rowBits == 0 ? ~a : packed[a];
    }

    /** The arc of a key in a token bucket whose neighbour on the key's side holds a token, or whose bits tie. */
    private int arc(int c, int d, long token) {
        int first = c & firstMask;
        if ((c & (LOW | HIGH)) == 0 || d == 0) {
            return scan(first, token);      // two tokens or more, or the key's bits do not order it
        }
        return d < 0 ? first : first + 1 == tokens.length ? 0 : first + 1;    // the token's arc or the next one
    }

    /** Position {@code k < width} of the row that {@link #find} gave. */
    int position(int found, int k) {
        return found >= 0 ? (found >>> (k * rowBits)) & rowMask : rows[~found * width + k];
    }

    /** Writes positions {@code 0 .. count - 1} ({@code count <= width}) of the key's row into {@code out}. */
    void copyRow(long token, int[] out, int count) {
        int found = find(token);
        if (found < 0) {
            System.arraycopy(rows, ~found * width, out, 0, count);
            return;
        }
        // straight-line stores for the usual lengths, the highest first: a loop of three positions with a count
        // C2 cannot see measured about 2 ns a lookup more than these stores (benchmarks/README.md, run 8)
        int b = rowBits;
        int m = rowMask;
        switch (count) {
            case 3:
                out[2] = (found >>> (2 * b)) & m;
                // fall through
            case 2:
                out[1] = (found >>> b) & m;
                // fall through
            case 1:
                out[0] = found & m;
                break;
            default:
                for (int k = count - 1; k >= 0; k--) {
                    out[k] = (found >>> (k * b)) & m;
                }
        }
    }

    /**
     * The position of the first token at or after {@code token}, wrapping to 0: in a bucket that holds tokens, a
     * scan from its first; in one that holds none, the first token of the next bucket that holds one.
     */
    int arcIndex(long token) {
        int b = bucket(token);
        int c = cells[b];
        if (c < 0) {
            return scan(c & firstMask, token);
        }
        return rowBits == 0 ? c : arcAfter(b, token);
    }

    /**
     * The arc of a key in bucket {@code b}, which holds no token: that of the first token of a later bucket, or 0
     * past the last token (the arc wraps). Usually a few cells on, in the same cache line (a token every four to
     * eight buckets up to 2^18 tokens); past {@value #ARC_SCAN} empty cells, which only a layout with its tokens
     * bunched together has, the binary search, so that no lookup walks the table.
     */
    private int arcAfter(int b, long token) {
        int[] c = cells;
        int end = Math.min(c.length, b + 1 + ARC_SCAN);
        for (int i = b + 1; i < end; i++) {
            if (c[i] < 0) {
                return c[i] & firstMask;
            }
        }
        return TokenSearch.arcIndex(tokens, 0, token);
    }

    /** From the first token of the key's bucket: the first token at or after the key, wrapping to 0. */
    private int scan(int i, long token) {
        long[] t = tokens;
        while (i < t.length && t[i] < token) {
            i++;
        }
        return i == t.length ? 0 : i;
    }
}
