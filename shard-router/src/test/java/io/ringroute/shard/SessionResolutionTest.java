package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringroute.shard.config.ServerSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a session learns the position of a write it did not read the position of: from the first sample of the
 * shard's primary whose poll started after the commit returned, and only if that sample comes from the server the
 * sample before the write described. The samples are set by hand on a pool that never connects, so each case is a
 * fact, not a race with the poller (CommitPositionFromPollTest runs the same against real servers).
 */
class SessionResolutionTest {

    private static final ServerIdentity HISTORY = new ServerIdentity(7001, 1);
    private static final long STARTED = 1_000_000;

    private ServerPool primary;
    private Session session;

    @BeforeEach
    void setUp() {
        primary = new ServerPool("s", Role.PRIMARY, 0,
                ServerSpec.builder("jdbc:postgresql://127.0.0.1:1/none").minIdle(0).build());
        session = new Session(null, ConsistencyToken.empty());
    }

    @AfterEach
    void tearDown() {
        primary.close();
    }

    @Test
    void aCommittedWriteIsUncertainUntilASampleStartedAfterItAndThenHasThatSamplesLsn() {
        ServerSample before = sample(HISTORY, STARTED, 100);
        primary.sample = before;
        session.recordCommitted(primary, before, 0);
        assertThat(session.routingToken().isUncertain("s")).as("no sample since the commit").isTrue();

        primary.sample = sample(HISTORY, STARTED, 5000);

        assertThat(session.routingToken().isUncertain("s")).isFalse();
        assertThat(session.routingToken().lsn("s")).hasValue(5000);
    }

    @Test
    void aSampleWhosePollStartedBeforeTheCommitReturnedDoesNotResolveItWhateverItsLsn() {
        ServerSample before = sample(HISTORY, STARTED, 100);
        ServerSample inFlight = sample(HISTORY, STARTED, 9000);     // its poll started before the commit returned
        session.recordCommitted(primary, before, 0);
        primary.sample = inFlight;

        assertThat(session.routingToken().isUncertain("s")).isTrue();
    }

    @Test
    void aSampleFromAnotherHistoryOrIncarnationNeverResolvesIt() {
        ServerSample before = sample(HISTORY, STARTED, 100);
        session.recordCommitted(primary, before, 0);

        primary.sample = sample(new ServerIdentity(7001, 2), STARTED, 5000);      // promoted standby: new timeline
        assertThat(session.routingToken().isUncertain("s")).isTrue();
        primary.sample = sample(new ServerIdentity(7002, 1), STARTED, 5000);      // rebuilt: new system identifier
        assertThat(session.routingToken().isUncertain("s")).isTrue();
        primary.sample = sample(HISTORY, STARTED + 1, 5000);                     // restarted
        assertThat(session.routingToken().isUncertain("s")).isTrue();
    }

    @Test
    void aWriteOnAPrimaryNeverSampledBeforeItStaysUncertain() {
        session.recordCommitted(primary, ServerSample.NONE, 0);
        primary.sample = sample(HISTORY, STARTED, 5000);

        assertThat(session.routingToken().isUncertain("s")).isTrue();
    }

    @Test
    void aCommitThatMayHaveHappenedUnseenIsNotResolvedByAPoll() {
        primary.sample = sample(HISTORY, STARTED, 100);
        session.recordUncertain(primary, 0);
        primary.sample = sample(HISTORY, STARTED, 5000);

        assertThat(session.routingToken().isUncertain("s")).isTrue();
    }

    @Test
    void aSecondWriteNeedsASampleStartedAfterItToo() {
        ServerSample before = sample(HISTORY, STARTED, 100);
        session.recordCommitted(primary, before, 0);
        ServerSample betweenTheWrites = sample(HISTORY, STARTED, 3000);
        session.recordCommitted(primary, betweenTheWrites, 0);

        primary.sample = betweenTheWrites;
        assertThat(session.routingToken().isUncertain("s")).isTrue();
        primary.sample = sample(HISTORY, STARTED, 6000);
        assertThat(session.routingToken().lsn("s")).hasValue(6000);
    }

    @Test
    void aPositionReadBeforeAWriteWasNotedDoesNotResolveIt() {
        long ticket = session.positionTicket();
        session.recordCommitted(primary, sample(HISTORY, STARTED, 100), 0);
        session.recordWrite(ticket, "s", HISTORY, 200, 0);

        assertThat(session.routingToken().isUncertain("s")).isTrue();
    }

    @Test
    void writesToAShardAlreadyUncertainKeepTheSameToken() {
        ServerSample before = sample(HISTORY, STARTED, 100);
        session.recordCommitted(primary, before, 0);
        ConsistencyToken first = session.routingToken();
        session.recordCommitted(primary, before, 0);

        assertThat(session.routingToken()).isSameAs(first);
    }

    /** A sample of a poll that starts now: strictly after everything the test did before. */
    private static ServerSample sample(ServerIdentity identity, long startedMicros, long lsn) {
        long entered = System.nanoTime();
        long now;
        do {
            now = System.nanoTime();
        } while (now == entered);
        return new ServerSample(identity, lsn, startedMicros, ServerSample.STALENESS_UNKNOWN, now);
    }
}
