package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class ConsistencyTokenTest {

    private static final ServerIdentity A = new ServerIdentity(7_412_345_678_901_234_567L, 1);

    @Test
    void theTextFormRoundTripsAndIsCompactAndUrlSafe() {
        ConsistencyToken t = ConsistencyToken.empty()
                .withWrite("shard-0", A, 0x16_B374_D848L, 3)
                .withWrite("shard-1", new ServerIdentity(-5, 2), 0x2_0000_0000L, 3);
        String text = t.toString();
        assertThat(ConsistencyToken.parse(text)).isEqualTo(t);
        assertThat(text).matches("[A-Za-z0-9_-]+").hasSizeLessThan(95);
        assertThat(ConsistencyToken.parse(text).lsn("shard-0")).hasValue(0x16_B374_D848L);
        assertThat(ConsistencyToken.parse(text).epoch()).isEqualTo(3);
        assertThat(ConsistencyToken.parse(ConsistencyToken.empty().toString()).isEmpty()).isTrue();
    }

    @Test
    void aLaterWriteOnTheSameHistoryRaisesThePositionAndAnEarlierOneDoesNot() {
        ConsistencyToken t = ConsistencyToken.empty().withWrite("s", A, 100, 0);
        assertThat(t.withWrite("s", A, 200, 0).lsn("s")).hasValue(200);
        assertThat(t.withWrite("s", A, 50, 0).lsn("s")).hasValue(100);
    }

    @Test
    void aWriteOnAnotherHistoryOrAfterAnUnknownPositionReplacesIt() {
        ConsistencyToken t = ConsistencyToken.empty().withWrite("s", A, 100, 0);
        ServerIdentity promoted = new ServerIdentity(A.systemId(), 2);
        ConsistencyToken failedOver = t.withWrite("s", promoted, 50, 0);
        assertThat(failedOver.lsn("s")).hasValue(50);
        assertThat(failedOver.identityMatches(failedOver.indexOf("s"), promoted)).isTrue();
        ConsistencyToken unknown = t.withWrite("s", A, Long.MAX_VALUE, 0);
        assertThat(unknown.withWrite("s", A, 120, 0).lsn("s")).hasValue(120);
    }

    @Test
    void malformedTokensAreRejectedWithTheReason() {
        assertThatThrownBy(() -> ConsistencyToken.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> ConsistencyToken.parse("***")).hasMessageContaining("not URL-safe base64");
        String v1 = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[]{1, 0, 0});
        assertThatThrownBy(() -> ConsistencyToken.parse(v1)).hasMessageContaining("version 1");
        String valid = ConsistencyToken.empty().withWrite("shard-0", A, 1, 0).toString();
        byte[] bytes = Base64.getUrlDecoder().decode(valid);
        String truncated = Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(bytes, 8));
        assertThatThrownBy(() -> ConsistencyToken.parse(truncated)).isInstanceOf(InvalidTokenException.class)
                .hasMessageContaining("integrity tag does not match");
        String trailing = Base64.getUrlEncoder().withoutPadding().encodeToString(
                java.util.Arrays.copyOf(bytes, bytes.length + 1));
        assertThatThrownBy(() -> ConsistencyToken.parse(trailing)).isInstanceOf(InvalidTokenException.class)
                .hasMessageContaining("integrity tag does not match");
    }
}
