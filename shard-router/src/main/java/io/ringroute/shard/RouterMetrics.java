package io.ringroute.shard;

import java.util.List;
import java.util.Optional;

/**
 * A snapshot of a router's counters: per shard and role, reads, writes, fallbacks to the primary and replica lag.
 *
 * @param epoch   the topology epoch the router routes by
 * @param servers one entry per server, shards in name order, primary first
 */
public record RouterMetrics(long epoch, List<ServerMetrics> servers) {

    public RouterMetrics {
        servers = List.copyOf(servers);
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
