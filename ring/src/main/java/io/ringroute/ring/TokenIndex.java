package io.ringroute.ring;

/**
 * Finds the arc of a token ({@link TokenSearch#arcIndex}, bit for bit) and its owner, most of the time with one
 * memory access and no token compare: a table of cells, one per bucket of the tokens' top bits (sign bit flipped, so
 * that unsigned order is signed order), four to eight buckets per token and at most 2^{@value #MAX_BITS}.
 *
 * <ul>
 *   <li>A bucket that holds no token lies inside one arc: its cell is that arc's position and owner,
 *       {@code arc << ownerBits | owner} ({@code >= 0}), the answer for every key in the bucket. With four or more
 *       buckets per token that is about four lookups in five.</li>
 *   <li>A bucket that holds a token has the cell {@code ~first} ({@code < 0}), {@code first} the position of its first
 *       token; a scan from there finds the first token at or after the key (the few tokens of the bucket, then at most
 *       the first token after it).</li>
 * </ul>
 * When the positions and owners do not fit 31 bits together (more than 2^31 token-node combinations, far beyond
 * 1000 nodes x 256 vnodes), a cell holds the arc only and the owner comes from {@code owners}.
 *
 * <p>Measured against the earlier index (first-token positions per bucket, then a scan that read a token in most
 * lookups) in benchmarks/README.md, "Token lookup".
 */
final class TokenIndex {

    static final int MAX_BITS = 20;

    private final long[] tokens;
    private final int[] owners;
    private final int shift;        // 64 - index bits
    private final int ownerBits;    // 0 when cells hold the arc only
    private final int ownerMask;
    private final int[] cells;

    /** An index over sorted distinct tokens (not empty) and the owner of each token. */
    TokenIndex(long[] tokens, int[] owners, int nodeCount) {
        this.tokens = tokens;
        this.owners = owners;
        int bits = bits(tokens.length);
        this.shift = 64 - bits;
        int positionBits = width(tokens.length);
        int nodeBits = width(nodeCount);
        this.ownerBits = positionBits + nodeBits <= 31 ? nodeBits : 0;
        this.ownerMask = (1 << ownerBits) - 1;
        int buckets = 1 << bits;
        this.cells = new int[buckets];
        int i = 0;
        for (int b = 0; b < buckets; b++) {
            while (i < tokens.length && top(tokens[i]) < b) {
                i++;
            }
            if (i < tokens.length && top(tokens[i]) == b) {
                cells[b] = ~i;
            } else {
                int arc = i == tokens.length ? 0 : i;
                cells[b] = ownerBits == 0 ? arc : arc << ownerBits | owners[arc];
            }
        }
    }

    /** Four to eight buckets per token, at most 2^{@value #MAX_BITS}. */
    static int bits(int tokenCount) {
        return Math.min(MAX_BITS, width(tokenCount) + 2);
    }

    /** Bits to hold the values 0 .. count - 1, at least 1. */
    private static int width(int count) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(count - 1));
    }

    private long top(long token) {
        return (token ^ Long.MIN_VALUE) >>> shift;
    }

    /** The position of the first token at or after {@code token}, wrapping to 0. */
    int arcIndex(long token) {
        int c = cells[(int) ((token ^ Long.MIN_VALUE) >>> shift)];
        return c >= 0 ? c >>> ownerBits : scan(~c, token);
    }

    /** The owner (node position) of the arc holding {@code token}: {@code owners[arcIndex(token)]}. */
    int ownerOf(long token) {
        int c = cells[(int) ((token ^ Long.MIN_VALUE) >>> shift)];
        if (c >= 0) {
            return ownerBits == 0 ? owners[c] : c & ownerMask;
        }
        return owners[scan(~c, token)];
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
