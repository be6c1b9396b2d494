package io.ringroute.shard.reshard;

/** Told of a resharding's progress, on the resharder's thread; keep it quick. */
@FunctionalInterface
public interface ReshardListener {
    void onProgress(ReshardProgress progress);
}
