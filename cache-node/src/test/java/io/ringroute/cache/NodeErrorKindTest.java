package io.ringroute.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.client.HazelcastClientNotActiveException;
import com.hazelcast.core.HazelcastException;
import com.hazelcast.core.OperationTimeoutException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * How failed calls are classified. The chains are the ones Hazelcast 5.7's client was seen to throw here (a paused
 * relay, a cut relay; CacheMeterBinderTest provokes both on a real member); the rest follow from the rules.
 */
class NodeErrorKindTest {

    @Test
    void aCallThatTimedOutBecauseTheHeartbeatDroppedASilentNodeIsATimeout() {
        Throwable seen = new OperationTimeoutException("Map.Get timed out after client invocation timeout",
                new TargetDisconnectedException("Heartbeat timed out",
                        new TargetDisconnectedException("Heartbeat timed out to connection ClientConnection{}")));
        assertThat(NodeErrorKind.of(seen)).isEqualTo(NodeErrorKind.TIMEOUT);
        assertThat(NodeErrorKind.of(new NodeFailure("a", new TimeoutException()))).isEqualTo(NodeErrorKind.TIMEOUT);
    }

    @Test
    void aLostOrRefusedConnectionIsAConnectionErrorEvenWhenTheRetriesThenTimedOut() {
        assertThat(NodeErrorKind.of(new HazelcastClientNotActiveException("Client is shutting down",
                new IOException("No connection found to cluster.")))).isEqualTo(NodeErrorKind.CONNECTION);
        assertThat(NodeErrorKind.of(new OperationTimeoutException("timed out",
                new ConnectException("Connection refused")))).isEqualTo(NodeErrorKind.CONNECTION);
        assertThat(NodeErrorKind.of(new TargetDisconnectedException("Connection closed")))
                .isEqualTo(NodeErrorKind.CONNECTION);
    }

    @Test
    void anErrorRaisedOnTheMemberIsOtherAndTagsAreLowerCase() {
        assertThat(NodeErrorKind.of(new NodeFailure("a", new ExecutionException(new HazelcastException("boom")))))
                .isEqualTo(NodeErrorKind.OTHER);
        assertThat(NodeErrorKind.CONNECTION.tag()).isEqualTo("connection");
    }
}
