package io.ringroute.cache.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The stored form of entries and which write wins. */
class VersionedTest {

    private static final byte[] PAYLOAD = "x".getBytes(StandardCharsets.UTF_8);

    @Test
    void aValueKeepsItsVersionAndPayload() {
        byte[] stored = Versioned.value(-3, PAYLOAD);
        assertThat(Versioned.version(stored)).isEqualTo(-3);
        assertThat(Versioned.payload(stored)).isEqualTo(PAYLOAD);
        assertThat(Versioned.isTombstone(stored)).isFalse();
        assertThat(Versioned.version(Versioned.tombstone(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void newerWinsAndATombstoneBeatsAValueOfTheSameVersion() {
        assertThat(Versioned.blocks(Versioned.value(2, PAYLOAD), Versioned.value(1, PAYLOAD), false)).isTrue();
        assertThat(Versioned.blocks(Versioned.value(1, PAYLOAD), Versioned.value(2, PAYLOAD), false)).isFalse();
        assertThat(Versioned.blocks(Versioned.value(2, PAYLOAD), Versioned.value(2, PAYLOAD), false)).isTrue();
        assertThat(Versioned.blocks(Versioned.value(2, PAYLOAD), Versioned.tombstone(2), false)).isFalse();
        assertThat(Versioned.blocks(Versioned.tombstone(2), Versioned.value(2, PAYLOAD), false)).isTrue();
        assertThat(Versioned.blocks(Versioned.tombstone(2), Versioned.value(3, PAYLOAD), false)).isFalse();
    }

    @Test
    void putIfAbsentYieldsToAnyValueAndToNewerTombstones() {
        assertThat(Versioned.blocks(Versioned.value(1, PAYLOAD), Versioned.value(9, PAYLOAD), true)).isTrue();
        assertThat(Versioned.blocks(Versioned.tombstone(9), Versioned.value(9, PAYLOAD), true)).isTrue();
        assertThat(Versioned.blocks(Versioned.tombstone(8), Versioned.value(9, PAYLOAD), true)).isFalse();
    }

    @Test
    void aLeaseIsNoValueAndKeepsOutWhatTheTombstoneItCarriesKeptOut() {
        byte[] lease = Versioned.lease(5, 42, 1_000);
        assertThat(Versioned.wellFormed(lease)).isTrue();
        assertThat(Versioned.isLive(lease)).isFalse();
        assertThat(Versioned.isTombstone(lease)).isFalse();
        assertThat(Versioned.leaseToken(lease)).isEqualTo(42);
        assertThat(Versioned.leaseExpiry(lease)).isEqualTo(1_000);
        assertThat(Versioned.version(lease)).isEqualTo(5);
        assertThat(Versioned.blocks(lease, Versioned.value(5, PAYLOAD), false)).isTrue();
        assertThat(Versioned.blocks(lease, Versioned.value(6, PAYLOAD), false)).isFalse();
        assertThat(Versioned.blocks(lease, Versioned.value(6, PAYLOAD), true)).isFalse();
        assertThat(Versioned.isTombstone(Versioned.headerOf(lease))).isTrue();
    }

    @Test
    void bytesWithoutAHeaderAreOlderThanAnyVersionAndNotAPayload() {
        assertThat(Versioned.version(PAYLOAD)).isEqualTo(Versioned.UNVERSIONED);
        assertThat(Versioned.blocks(PAYLOAD, Versioned.value(Long.MIN_VALUE + 1, PAYLOAD), false)).isFalse();
        assertThatThrownBy(() -> Versioned.payload(PAYLOAD)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a versioned cache value");
    }
}
