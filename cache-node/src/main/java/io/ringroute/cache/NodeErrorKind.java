package io.ringroute.cache;

import com.hazelcast.client.HazelcastClientNotActiveException;
import com.hazelcast.client.HazelcastClientOfflineException;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.OperationTimeoutException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/** Why a call to a node failed, as counted in {@link NodeStats#errors(NodeErrorKind)}. */
public enum NodeErrorKind {

    /**
     * The node did not answer in time: it went silent for the call timeout (Hazelcast's heartbeat then drops the
     * connection, "Heartbeat timed out") or a call or transfer ran out of time.
     */
    TIMEOUT,
    /** The connection was lost, refused or unreachable, or the client was already disconnected from the node. */
    CONNECTION,
    /** Anything else the node or the client reported (an error raised on the member, for example). */
    OTHER;

    /** The lower-case name, as the {@code kind} tag of the metrics. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Classifies a failed call by its cause chain: a heartbeat timeout anywhere is a timeout (the node fell
     * silent, whatever the call saw next); otherwise a lost connection anywhere is one (a call that timed out
     * retrying over a lost connection lost its connection); otherwise a timeout; otherwise other.
     */
    static NodeErrorKind of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TargetDisconnectedException && t.getMessage() != null
                    && t.getMessage().startsWith("Heartbeat timed out")) {
                return TIMEOUT;
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof IOException || t instanceof TargetDisconnectedException
                    || t instanceof HazelcastClientNotActiveException || t instanceof HazelcastClientOfflineException
                    || t instanceof HazelcastInstanceNotActiveException || t instanceof TargetNotMemberException) {
                return CONNECTION;
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof OperationTimeoutException || t instanceof TimeoutException) {
                return TIMEOUT;
            }
        }
        return OTHER;
    }
}
