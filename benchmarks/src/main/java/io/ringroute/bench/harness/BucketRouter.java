package io.ringroute.bench.harness;

/**
 * A scheme that maps a key hash to a bucket number in {@code [0, n)} and the bucket to the n-th node of the member
 * list: modulo, jump hash, JumpBackHash. Such schemes know nothing of node names, so removing a node that is not the
 * last renumbers every node after it; that is the behaviour users get.
 */
final class BucketRouter implements KeyRouter {

    /** A bucket function of the key hash and the bucket count. */
    @FunctionalInterface
    interface BucketFunction {
        int bucket(long hash, int buckets);
    }

    private final BucketFunction function;
    private final String[] ids;

    BucketRouter(BucketFunction function, Membership membership) {
        this.function = function;
        this.ids = membership.ids().toArray(new String[0]);
    }

    @Override
    public String owner(String key, long token) {
        return ids[function.bucket(token, ids.length)];
    }

    @Override
    public KeyRouter with(Membership next) {
        return new BucketRouter(function, next);
    }

    /** Only the list of node names. */
    @Override
    public long estimatedBytes() {
        return MemoryEstimate.array(ids.length, MemoryEstimate.REFERENCE);
    }
}
