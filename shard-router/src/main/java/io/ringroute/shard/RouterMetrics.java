package io.ringroute.shard;

import java.util.List;
import java.util.Optional;

/**
 * A snapshot of a router's counters: per shard and role, reads, writes, fallbacks to the primary and replica lag.
 *
 * @param epoch     the topology epoch the router routes by
 * @param servers   one entry per server, shards in name order, primary first
 * @param fallbacks per shard and reason, the reads that went to the primary although they could have used a
 *                  replica (their sum per shard is the primary's {@link ServerMetrics#fallbacksToPrimary()})
 */
public record RouterMetrics(long epoch, List<ServerMetrics> servers, List<Fallbacks> fallbacks) {

    public RouterMetrics {
        servers = List.copyOf(servers);
        fallbacks = List.copyOf(fallbacks);
    }

    /** Reads of one shard sent to its primary for one reason. */
    public record Fallbacks(String shard, FallbackReason reason, long count) {
    }

    /** Reads of {@code shard} sent to its primary for {@code reason}. */
    public long fallbacks(String shard, FallbackReason reason) {
        return fallbacks.stream().filter(f -> f.shard().equals(shard) && f.reason() == reason)
                .mapToLong(Fallbacks::count).sum();
    }

    public Optional<ServerMetrics> primary(String shard) {
        return servers.stream().filter(s -> s.shard().equals(shard) && s.role() == Role.PRIMARY).findFirst();
    }

    public List<ServerMetrics> replicas(String shard) {
        return servers.stream().filter(s -> s.shard().equals(shard) && s.role() == Role.REPLICA).toList();
    }

    /** Reads served by replicas over all shards. */
    public long replicaReads() {
        return servers.stream().filter(s -> s.role() == Role.REPLICA).mapToLong(ServerMetrics::reads).sum();
    }

    /** Reads served by primaries over all shards. */
    public long primaryReads() {
        return servers.stream().filter(s -> s.role() == Role.PRIMARY).mapToLong(ServerMetrics::reads).sum();
    }
}
