package io.ringroute.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * Property tests, seeded by repetition: the indexed lookup ({@link TokenIndex}) gives exactly the position of the
 * plain wrap-around binary search ({@link TokenSearch#arcIndex}), and the replica row of that position, for random
 * token sets of every shape (uniform, clustered into crowded buckets, at the ends of the token space, tiny, on bucket
 * edges) with rows packed into the cells or not, and for keys equal to tokens, next to
 * them, at both edges of their buckets, at both ends of the circle and beyond the last token (wrap-around). Seeded
 * loops, not a property-testing library: a failure names its repetition, whose seed reproduces it.
 */
class TokenIndexTest {

    @RepeatedTest(60)
    void indexedLookupEqualsTheWrapAroundBinarySearch(RepetitionInfo repetition) {
        SplittableRandom random = new SplittableRandom(repetition.getCurrentRepetition());
        long[] tokens = randomTokens(random);
        // rows of 1 to 3 positions: packed into the cells up to 1024 nodes for 3 (32768 for 2), read from the rows beyond
        int width = 1 + random.nextInt(3);
        int nodeCount = random.nextBoolean() ? 1 + random.nextInt(1_024) : 1_025 + random.nextInt(100_000);
        Rows rows = new Rows(random.ints(tokens.length * width, 0, nodeCount).toArray(), width);
        TokenIndex index = new TokenIndex(tokens, rows.positions, width, nodeCount);
        int shift = 64 - TokenIndex.bits(tokens.length);
        for (long t : tokens) {
            assertSame(index, tokens, rows, t);
            assertSame(index, tokens, rows, t - 1);
            assertSame(index, tokens, rows, t + 1);
            long bucketStart = (((t ^ Long.MIN_VALUE) >>> shift) << shift) ^ Long.MIN_VALUE;
            long bucketEnd = bucketStart + ((1L << shift) - 1);
            for (long edge : new long[]{bucketStart, bucketStart - 1, bucketEnd, bucketEnd + 1}) {
                assertSame(index, tokens, rows, edge);
            }
        }
        for (long edge : new long[]{Long.MIN_VALUE, Long.MIN_VALUE + 1, -1, 0, 1, Long.MAX_VALUE - 1, Long.MAX_VALUE}) {
            assertSame(index, tokens, rows, edge);
        }
        for (int k = 0; k < 5_000; k++) {
            assertSame(index, tokens, rows, random.nextLong());
        }
    }

    @Test
    void aCrowdedBucketIsScannedToTheSameResult() {
        // 64 tokens within 64 units of each other: one bucket holds them all
        long[] tokens = IntStream.range(0, 64).mapToLong(i -> 1_000_000L + i).toArray();
        Rows rows = new Rows(IntStream.range(0, 64).map(i -> i % 5).toArray(), 1);
        TokenIndex index = new TokenIndex(tokens, rows.positions, 1, 5);
        for (long key = 999_990; key < 1_000_080; key++) {
            assertSame(index, tokens, rows, key);
        }
    }

    @Test
    void aKeyFarFromBunchedTokensFindsTheSameArcPastTheLongRunOfEmptyBuckets() {
        // 200 tokens bunched into two of 1024 buckets: keys in every other bucket lie hundreds of empty cells from
        // the next token (and past the last one, the arc wraps), beyond the short scan of arcIndex
        long[] tokens = new long[200];
        for (int i = 0; i < 200; i++) {
            tokens[i] = (i < 100 ? -1_000_000L : 4_000_000_000_000_000_000L) + i;
        }
        Rows rows = new Rows(IntStream.range(0, 400).map(i -> i % 7).toArray(), 2);
        TokenIndex index = new TokenIndex(tokens, rows.positions, 2, 7);
        int shift = 64 - TokenIndex.bits(tokens.length);
        for (long bucket = 0; bucket < 1L << (64 - shift); bucket++) {
            long start = (bucket << shift) ^ Long.MIN_VALUE;
            assertSame(index, tokens, rows, start);
            assertSame(index, tokens, rows, start + (1L << (shift - 1)));
        }
    }

    @Test
    void aLoneTokenInTheFirstOrLastBucketSplitsItBetweenTheArcsAcrossTheWrap() {
        // 8 buckets: a lone token in bucket 0 (its bucket before is the last, inside the wrapping arc) and one in
        // bucket 7 (its bucket after is the first); keys on, beside and around each token and at both ends
        for (long[] tokens : new long[][]{{Long.MIN_VALUE + 5, 7}, {7, Long.MAX_VALUE - 3}, {Long.MIN_VALUE + 5}}) {
            Rows rows = new Rows(IntStream.range(0, tokens.length * 2).toArray(), 2);
            TokenIndex index = new TokenIndex(tokens, rows.positions, 2, tokens.length * 2);
            for (long t : tokens) {
                for (long d = -3; d <= 3; d++) {
                    assertSame(index, tokens, rows, t + d);
                }
            }
            for (long edge : new long[]{Long.MIN_VALUE, Long.MIN_VALUE + 1, -1, 0, Long.MAX_VALUE - 1, Long.MAX_VALUE}) {
                assertSame(index, tokens, rows, edge);
            }
        }
    }

    @RepeatedTest(20)
    void oneTokenBucketsBesideEmptyOrTokenBucketsAndKeysWhoseBitsTieWithTheToken(RepetitionInfo repetition) {
        // one token per bucket, the next bucket one or two along: lone tokens, tokens with a token on one side or
        // both; keys that share the token's bits down to bit s (the in-cell bits order them against the token only
        // when s is below the bits they keep, else the token is read), one either side of those, and the token's
        // neighbours
        SplittableRandom random = new SplittableRandom(repetition.getCurrentRepetition());
        int count = 1 + random.nextInt(300);
        long step = 1L << (64 - TokenIndex.bits(count));
        long[] tokens = new long[count];
        long bucket = random.nextInt(3);
        for (int i = 0; i < count; i++) {
            tokens[i] = Long.MIN_VALUE + bucket * step + random.nextLong(step);
            bucket += 1 + random.nextInt(2);
        }
        Rows rows = new Rows(random.ints(count * 3, 0, 1_000).toArray(), 3);
        TokenIndex index = new TokenIndex(tokens, rows.positions, 3, 1_000);
        for (long t : tokens) {
            for (int s = 0; s < 64; s++) {
                long low = s == 0 ? 0 : -1L >>> (64 - s);
                for (long key : new long[]{t & ~low, (t & ~low) - 1, t | low, (t | low) + 1, t - 1, t, t + 1}) {
                    assertSame(index, tokens, rows, key);
                }
            }
        }
    }

    @Test
    void ringLookupsAndReplicaPositionsMatchTheBinarySearchOnBothPlacements() {
        TokenLayout layout = TokenLayout.empty(32, 3);
        for (int i = 0; i < 12; i++) {
            layout = layout.withNode(Node.of("n" + i));
        }
        HashRing allocated = HashRing.builder().layout(layout).build();
        HashRing vnodes = HashRing.builder().vnodesPerNode(64)
                .nodes(IntStream.range(0, 12).mapToObj(i -> Node.of("n" + i)).toList()).build();
        SplittableRandom random = new SplittableRandom(7);
        for (HashRing ring : new HashRing[]{allocated, vnodes}) {
            long[] tokens = ring.tokens();
            var ranges = ring.ranges();
            Node[] out = new Node[3];
            int[] positions = new int[3];
            var nodes = ring.nodes();
            for (int k = 0; k < 20_000; k++) {
                long key = k % 2 == 0 ? random.nextLong() : tokens[random.nextInt(tokens.length)];
                int arc = TokenSearch.arcIndex(tokens, key);
                assertThat(ring.primaryForToken(key)).isEqualTo(ranges.get(arc).owner());
                ring.replicasForToken(key, 3, out);
                assertThat(out).containsExactlyElementsOf(ring.replicasForToken(key, 3));
                assertThat(out[0]).isEqualTo(ranges.get(arc).owner());
                for (int r = 1; r <= 3; r++) {      // every count the straight-line copy of a row handles
                    Arrays.fill(positions, -1);
                    assertThat(ring.replicaPositionsForToken(key, r, positions)).isEqualTo(r);
                    for (int j = 0; j < 3; j++) {
                        assertThat(positions[j]).isEqualTo(j < r ? nodes.indexOf(out[j]) : -1);
                    }
                }
            }
        }
    }

    @Test
    void replicaPositionsRejectAShortArrayAndWalkBeyondThePrecomputedLists() {
        HashRing ring = HashRing.builder().vnodesPerNode(16).maxReplicas(2)
                .nodes(IntStream.range(0, 5).mapToObj(i -> Node.of("n" + i)).toList()).build();
        assertThatThrownBy(() -> ring.replicaPositionsForToken(1, 3, new int[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds 2 positions, needs 3");
        assertThatThrownBy(() -> ring.replicaPositionsForToken(1, 0, new int[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 0");
        int[] positions = new int[9];
        assertThat(ring.replicaPositionsForToken(42, 9, positions)).isEqualTo(5);
        var expected = ring.replicasForToken(42, 9);
        for (int j = 0; j < 5; j++) {
            assertThat(ring.nodes().get(positions[j])).isEqualTo(expected.get(j));
        }
    }

    @Test
    void theSearchWrapsAboveTheLastEndAndRejectsAnEmptyCircle() {
        long[] ends = {-5, 10, 20};
        assertThat(TokenSearch.arcIndex(ends, -6)).isZero();
        assertThat(TokenSearch.arcIndex(ends, -5)).isZero();
        assertThat(TokenSearch.arcIndex(ends, -4)).isEqualTo(1);
        assertThat(TokenSearch.arcIndex(ends, 20)).isEqualTo(2);
        assertThat(TokenSearch.arcIndex(ends, 21)).isZero();
        assertThat(TokenSearch.arcIndex(ends, Long.MAX_VALUE)).isZero();
        assertThatThrownBy(() -> TokenSearch.arcIndex(new long[0], 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no arc ends");
    }

    private record Rows(int[] positions, int width) {
    }

    /** Checked by hand, and reported through AssertJ only on a mismatch: the loops make millions of checks. */
    private static void assertSame(TokenIndex index, long[] tokens, Rows rows, long key) {
        int expected = TokenSearch.arcIndex(tokens, key);
        int w = rows.width();
        int[] want = Arrays.copyOfRange(rows.positions(), expected * w, (expected + 1) * w);
        int[] copied = new int[w];
        index.copyRow(key, copied, w);
        int found = index.find(key);
        boolean same = index.arcIndex(key) == expected && Arrays.equals(copied, want);
        for (int k = 0; k < w; k++) {
            same &= index.position(found, k) == want[k];
        }
        if (!same) {
            assertThat(index.arcIndex(key)).as("arc of key %d over %d tokens", key, tokens.length).isEqualTo(expected);
            assertThat(copied).as("row of key %d over %d tokens", key, tokens.length).isEqualTo(want);
            for (int k = 0; k < w; k++) {
                assertThat(index.position(found, k)).as("replica %d of key %d", k, key).isEqualTo(want[k]);
            }
        }
    }

    /** Sorted distinct tokens: uniform, clustered, pushed to the ends of the space, a handful, or on bucket edges. */
    private static long[] randomTokens(SplittableRandom random) {
        int shape = random.nextInt(5);
        int count = shape == 3 ? 1 + random.nextInt(9) : 1 + random.nextInt(5_000);
        long[] tokens = new long[count];
        long step = 1L << (64 - TokenIndex.bits(count));
        long center = random.nextLong();
        for (int i = 0; i < count; i++) {
            tokens[i] = switch (shape) {
                case 0, 3 -> random.nextLong();
                // on the first or last key of every other bucket
                case 4 -> Long.MIN_VALUE + 2L * i * step + (random.nextBoolean() ? 0 : step - 1);
                case 1 -> center + random.nextLong(1L << (20 + random.nextInt(40)));  // clusters: crowded buckets
                default -> random.nextBoolean() ? Long.MAX_VALUE - random.nextLong(1L << 40)
                        : Long.MIN_VALUE + random.nextLong(1L << 40);
            };
        }
        return Arrays.stream(tokens).distinct().sorted().toArray();
    }
}
