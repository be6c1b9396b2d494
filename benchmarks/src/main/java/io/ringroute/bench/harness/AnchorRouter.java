package io.ringroute.bench.harness;

import com.dynatrace.hash4j.consistent.ConsistentBucketSetHasher;
import com.dynatrace.hash4j.consistent.ConsistentHashing;
import com.dynatrace.hash4j.random.PseudoRandomGeneratorProvider;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * hash4j's JumpBackAnchorHash ({@link ConsistentHashing#jumpBackAnchorHash}): a bucket set that supports removing
 * any bucket, not only the last. Node ids map to the bucket numbers the hasher hands out; a change copies the
 * hasher's state and applies removals, then additions, as a cluster would.
 */
final class AnchorRouter implements KeyRouter {

    private final ConsistentBucketSetHasher hasher;
    private final Map<String, Integer> bucketOf;
    private final String[] idOfBucket;

    private AnchorRouter(ConsistentBucketSetHasher hasher, Map<String, Integer> bucketOf) {
        this.hasher = hasher;
        this.bucketOf = bucketOf;
        int max = bucketOf.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        this.idOfBucket = new String[max + 1];
        bucketOf.forEach((id, b) -> idOfBucket[b] = id);
    }

    static AnchorRouter of(Membership membership) {
        return new AnchorRouter(newHasher(), new LinkedHashMap<>()).with(membership);
    }

    static ConsistentBucketSetHasher newHasher() {
        return ConsistentHashing.jumpBackAnchorHash(PseudoRandomGeneratorProvider.splitMix64_V1());
    }

    @Override
    public String owner(String key, long token) {
        return idOfBucket[hasher.getBucket(token)];
    }

    @Override
    public AnchorRouter with(Membership next) {
        ConsistentBucketSetHasher copy = newHasher().setState(hasher.getState());
        Map<String, Integer> buckets = new LinkedHashMap<>(bucketOf);
        for (Map.Entry<String, Integer> e : bucketOf.entrySet()) {
            if (!next.contains(e.getKey())) {
                copy.removeBucket(e.getValue());
                buckets.remove(e.getKey());
            }
        }
        for (Member m : next.members()) {
            if (!buckets.containsKey(m.id())) {
                buckets.put(m.id(), copy.addBucket());
            }
        }
        return new AnchorRouter(copy, buckets);
    }

    /** The hasher's serialised state (its arrays) plus the bucket-to-name table. */
    @Override
    public long estimatedBytes() {
        return MemoryEstimate.array(hasher.getState().length, 1)
                + MemoryEstimate.array(idOfBucket.length, MemoryEstimate.REFERENCE);
    }

    @Override
    public String toString() {
        return "anchor" + Arrays.toString(hasher.getBuckets());
    }
}
