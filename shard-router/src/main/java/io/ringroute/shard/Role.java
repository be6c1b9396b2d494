package io.ringroute.shard;

/** The role of a physical server within its shard. */
public enum Role { PRIMARY, REPLICA }
