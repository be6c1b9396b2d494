package io.ringroute.ring;

/**
 * Finds the arc of a token ({@link TokenSearch#arcIndex}, bit for bit) without a binary search: an index on the
 * tokens' top bits (sign bit flipped, so that unsigned order is signed order), two to four buckets per token and at
 * most 2^16 buckets, gives the first token at or above the bucket's start and the first of the next bucket; a scan
 * of the few tokens in between (none in most buckets) finds the token's arc.
 *
 * <p>Tried against a branch-free count over a fixed window of four tokens and against finer, uncapped indexes
 * (benchmarks/README.md, "Token lookup", run 4): none was faster, because this one touches the least memory (most
 * lookups read the index and the owner only, never a token), which is what a lookup pays for once the ring leaves
 * the L1 cache.
 */
final class TokenIndex {

    private static final int MAX_BITS = 16;

    private final long[] tokens;
    private final int shift;        // 64 - index bits
    private final int[] first;      // first[b] = first token position whose flipped top bits are >= b; first[2^bits] = tokens

    TokenIndex(long[] tokens) {
        this.tokens = tokens;
        int bits = bits(tokens.length);
        this.shift = 64 - bits;
        int buckets = 1 << bits;
        this.first = new int[buckets + 1];
        int i = 0;
        for (int b = 0; b < buckets; b++) {
            while (i < tokens.length && ((tokens[i] ^ Long.MIN_VALUE) >>> shift) < b) {
                i++;
            }
            first[b] = i;
        }
        first[buckets] = tokens.length;
    }

    /** Two to four buckets per token, at most 2^16. */
    static int bits(int tokenCount) {
        return Math.max(1, Math.min(MAX_BITS, 33 - Integer.numberOfLeadingZeros(Math.max(1, tokenCount))));
    }

    /** The position of the first token at or after {@code token}, wrapping to 0; the ring is not empty. */
    int arcIndex(long token) {
        long[] t = tokens;
        int b = (int) ((token ^ Long.MIN_VALUE) >>> shift);
        int i = first[b];
        int end = first[b + 1];
        while (i < end && t[i] < token) {
            i++;
        }
        return i == t.length ? 0 : i;
    }
}
