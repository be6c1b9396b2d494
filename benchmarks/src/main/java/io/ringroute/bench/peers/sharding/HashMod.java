package io.ringroute.bench.peers.sharding;

/**
 * ShardingSphere's HASH_MOD placement, recomputed here to count rows and place preloaded ones: 5.5.2's
 * {@code HashModShardingAlgorithm} takes {@code Math.abs((long) value.hashCode()) % sharding-count} and routes to the
 * data source whose name ends with that number.
 */
final class HashMod {

    private HashMod() {
    }

    static int index(String key, int shards) {
        return (int) (Math.abs((long) key.hashCode()) % shards);
    }
}
