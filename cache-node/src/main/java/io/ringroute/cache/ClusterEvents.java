package io.ringroute.cache;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The cluster client's listeners, told of node events and rebalance progress; a failing listener is logged. */
final class ClusterEvents {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterEvents.class);

    private final List<CacheClusterListener> listeners;

    ClusterEvents(List<CacheClusterListener> initial) {
        this.listeners = new CopyOnWriteArrayList<>(initial);
    }

    void add(CacheClusterListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener must not be null");
        }
        listeners.add(listener);
    }

    void publish(NodeEvent event) {
        for (CacheClusterListener l : listeners) {
            try {
                l.onNodeEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on {}", l, event, e);
            }
        }
    }

    void publish(RebalanceProgress progress) {
        for (CacheClusterListener l : listeners) {
            try {
                l.onRebalanceProgress(progress);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on {}", l, progress, e);
            }
        }
    }
}
