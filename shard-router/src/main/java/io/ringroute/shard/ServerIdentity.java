package io.ringroute.shard;

/**
 * The WAL history a server is on: its cluster's system identifier (shared by a primary and its physical
 * replicas, new after an initdb) and its timeline (new after a promotion). An LSN means something only together
 * with the identity it was taken on.
 *
 * @param systemId the value of {@code pg_control_system().system_identifier}
 * @param timeline the timeline id
 */
public record ServerIdentity(long systemId, int timeline) {
}
