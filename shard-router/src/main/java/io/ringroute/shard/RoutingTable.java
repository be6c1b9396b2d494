package io.ringroute.shard;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.RangeMove;
import io.ringroute.ring.TokenSearch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An immutable snapshot of who owns which tokens at one epoch: sorted arc ends and the owner of each arc, read by
 * binary search. Built from a ring, with the ranges a resharding has already handed over overriding it.
 */
final class RoutingTable {

    final long epoch;
    final ShardServers[] shards;     // every shard that owns something, in name order
    private final long[] ends;       // sorted; arc i is (ends[i-1], ends[i]], arc 0 wraps
    private final int[] owners;      // index into shards

    private RoutingTable(long epoch, ShardServers[] shards, long[] ends, int[] owners) {
        this.epoch = epoch;
        this.shards = shards;
        this.ends = ends;
        this.owners = owners;
    }

    /**
     * The owners at an epoch: {@code ring}'s, except for {@code handedOver} ranges, which belong to their
     * {@link RangeMove#to()}.
     */
    static RoutingTable of(long epoch, HashRing ring, List<RangeMove> handedOver, Map<String, ShardServers> servers) {
        TreeSet<Long> bounds = new TreeSet<>();
        for (long t : ring.tokens()) {
            bounds.add(t);
        }
        for (RangeMove m : handedOver) {
            bounds.add(m.range().start());
            bounds.add(m.range().end());
        }
        TreeSet<String> names = new TreeSet<>(io.ringroute.ring.Node.ID_ORDER);
        List<String> ownerNames = new ArrayList<>(bounds.size());
        for (long end : bounds) {
            String owner = ring.primaryForToken(end).id();
            for (RangeMove m : handedOver) {
                if (m.range().contains(end)) {
                    owner = m.to().id();
                    break;
                }
            }
            ownerNames.add(owner);
            names.add(owner);
        }
        ShardServers[] shards = new ShardServers[names.size()];
        List<String> order = new ArrayList<>(names);
        for (int i = 0; i < shards.length; i++) {
            shards[i] = servers.get(order.get(i));
            if (shards[i] == null) {
                throw new IllegalStateException("shard '" + order.get(i) + "' owns tokens at epoch " + epoch
                        + " but this router's configuration does not define it");
            }
        }
        long[] ends = new long[bounds.size()];
        int[] owners = new int[bounds.size()];
        int n = 0;
        int k = 0;
        for (long end : bounds) {
            int owner = order.indexOf(ownerNames.get(k++));
            // merge with the previous arc when the owner is the same (never across the wrap at index 0)
            if (n > 0 && owners[n - 1] == owner) {
                ends[n - 1] = end;
            } else {
                ends[n] = end;
                owners[n] = owner;
                n++;
            }
        }
        return new RoutingTable(epoch, shards, Arrays.copyOf(ends, n), Arrays.copyOf(owners, n));
    }

    ShardServers shardFor(long token) {
        return shards[owners[TokenSearch.arcIndex(ends, token)]];
    }
}
