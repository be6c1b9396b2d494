package io.ringroute.ring;

/**
 * Finds the arc of a token ({@link TokenSearch#arcIndex}, bit for bit) without a binary search: an index on the
 * tokens' top bits (sign bit flipped, so that unsigned order is signed order), one to two buckets per token, gives
 * the first token at or above the bucket's start; the token's arc is then that position plus the number of the
 * next {@value #WINDOW} tokens below it, counted without branches. Only when all {@value #WINDOW} are below (a
 * crowded bucket, about 0.5% of lookups) or near the end of the array does it fall back to a binary search.
 *
 * <p>The count reads the sign of {@code tokens[j] - token}, which is exact while a window of {@value #WINDOW}
 * tokens spans less than half the circle beyond its bucket's start; the constructor checks that for every bucket
 * (it fails only for rings of a handful of tokens) and otherwise always takes the binary search.
 */
final class TokenIndex {

    static final int WINDOW = 4;
    private static final int MAX_BITS = 22;

    private final long[] tokens;
    private final int shift;        // 64 - index bits
    private final int[] first;      // first[b] = first token position whose flipped top bits are >= b
    private final int windowLimit;  // a window may start at positions <= windowLimit; -1: never

    TokenIndex(long[] tokens) {
        this.tokens = tokens;
        int bits = bits(tokens.length);
        this.shift = 64 - bits;
        this.first = new int[1 << bits];
        int i = 0;
        boolean exact = tokens.length >= WINDOW;
        int limit = tokens.length - WINDOW;
        for (int b = 0; b < first.length; b++) {
            long start = (long) b << shift;
            while (i < tokens.length && Long.compareUnsigned(tokens[i] ^ Long.MIN_VALUE, start) < 0) {
                i++;
            }
            first[b] = i;
            // the farthest token a lookup in this bucket compares must lie less than 2^63 above the bucket start
            if (i <= limit && ((tokens[i + WINDOW - 1] ^ Long.MIN_VALUE) - start) < 0) {
                exact = false;
            }
        }
        this.windowLimit = exact ? limit : -1;
    }

    /** One to two buckets per token, at most 2^22. */
    static int bits(int tokenCount) {
        return Math.max(1, Math.min(MAX_BITS, 64 - Long.numberOfLeadingZeros(Math.max(1, tokenCount - 1))));
    }

    /** The position of the first token at or after {@code token}, wrapping to 0; the ring is not empty. */
    int arcIndex(long token) {
        long[] t = tokens;
        int i = first[(int) ((token ^ Long.MIN_VALUE) >>> shift)];
        if (i <= windowLimit) {
            int below = (int) ((t[i] - token) >>> 63) + (int) ((t[i + 1] - token) >>> 63)
                    + (int) ((t[i + 2] - token) >>> 63) + (int) ((t[i + 3] - token) >>> 63);
            if (below < WINDOW) {
                return i + below;
            }
            i += WINDOW;
        }
        return TokenSearch.arcIndex(t, i, token);
    }

    /** Retained bytes of the index array (the tokens belong to the ring). */
    long indexBytes() {
        return 16 + 4L * first.length;
    }
}
