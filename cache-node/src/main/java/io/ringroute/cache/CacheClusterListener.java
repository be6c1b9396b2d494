package io.ringroute.cache;

/**
 * Told what a {@link CacheCluster} does on its own: ejections, rejoins, membership changes and their progress.
 * Called on the thread that caused the event (a caller, a probe, a membership change); keep it quick.
 */
public interface CacheClusterListener {

    default void onNodeEvent(NodeEvent event) {
    }

    default void onRebalanceProgress(RebalanceProgress progress) {
    }
}
