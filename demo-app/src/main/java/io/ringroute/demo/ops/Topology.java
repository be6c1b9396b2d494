package io.ringroute.demo.ops;

import java.util.List;
import java.util.Map;

/**
 * The running cache cluster and sharded database as the operations view sees and changes them. Changes run in the
 * background, one per tier at a time; their progress shows in the snapshots.
 */
public interface Topology {
    CacheSnapshot cache();

    ShardSnapshot shards();

    /** Starts a new cache node and adds it to the ring (warming it first); returns its id at once. */
    String addCacheNode();

    void removeCacheNode(String id);

    /** Starts a new shard (primary and standby) and reshards onto it; returns its name at once. */
    String addShard();

    void removeShard(String name);

    record CacheSnapshot(RingView ring, int replicas, List<CacheNodeView> nodes, long hits, long misses,
                         Progress change) {
    }

    record CacheNodeView(String id, String address, long entries, long hits, long misses, String state) {
    }

    record ShardSnapshot(RingView ring, List<ShardView> shards, Progress change) {
    }

    record ShardView(String name, Map<String, Long> rows, long reads, long writes, List<ReplicaView> replicas) {
    }

    /** {@code lagMillis} is null while the lag is unknown (the replica not yet polled, or out of rotation). */
    record ReplicaView(String server, String state, long lagBytes, Long lagMillis, long reads) {
    }
}
