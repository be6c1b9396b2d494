package io.ringroute.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.hash.Hashing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeyHashTest {

    /** Vectors another client must reproduce: low 64 bits of MurmurHash3_x64_128, seed 0, UTF-8 / LE bytes. */
    @Test
    void stringKeysHashToThePinnedTokens() {
        assertThat(KeyHash.token("")).isEqualTo(0L);
        assertThat(KeyHash.token("a")).isEqualTo(-8839064797231613815L);
        assertThat(KeyHash.token("user:42")).isEqualTo(-3674646904862786968L);
        assertThat(KeyHash.token("0123456789abcdef")).isEqualTo(5467490433528156583L);
        assertThat(KeyHash.token("héllo")).isEqualTo(5634419923683204234L);
        assertThat(KeyHash.token("日本語")).isEqualTo(1349821744801378292L);
    }

    /** As the javadoc promises: an unpaired surrogate is encoded as '?', like String.getBytes; a pair is not. */
    @Test
    void unpairedSurrogatesHashAsAQuestionMarkAndAPairAsItsFourUtf8Bytes() {
        assertThat(KeyHash.token("a\uD800b")).as("lone high surrogate").isEqualTo(KeyHash.token("a?b"));
        assertThat(KeyHash.token("\uDC00x")).as("lone low surrogate").isEqualTo(KeyHash.token("?x"));
        assertThat(KeyHash.token("x\uD83D")).as("high surrogate at the end").isEqualTo(KeyHash.token("x?"));
        assertThat(KeyHash.token("\uDE00\uD83D")).as("a pair in the wrong order").isEqualTo(KeyHash.token("??"));
        assertThat(KeyHash.token("\uD83D\uDE00")).as("U+1F600")
                .isEqualTo(KeyHash.token(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}))
                .isNotEqualTo(KeyHash.token("?"));
    }

    @Test
    void longKeysHashToThePinnedTokens() {
        assertThat(KeyHash.token(0L)).isEqualTo(2945182322382062539L);
        assertThat(KeyHash.token(1L)).isEqualTo(19144387141682250L);
        assertThat(KeyHash.token(-1L)).isEqualTo(-6853156495446839949L);
        assertThat(KeyHash.token(42L)).isEqualTo(-5283633198602748424L);
        assertThat(KeyHash.token(Long.MAX_VALUE)).isEqualTo(7815693464130447828L);
    }

    @Test
    void tokensEqualGuavasReferenceMurmur3OfTheUtf8Bytes() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 5_000; i++) {
            String key = randomString(random, random.nextInt(40));
            byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
            long reference = Hashing.murmur3_128().hashBytes(utf8).asLong();
            assertThat(KeyHash.token(key)).as("key %s", key).isEqualTo(reference);
            assertThat(KeyHash.token(utf8)).isEqualTo(reference);
        }
    }

    @Test
    void longKeysHashAsTheirLittleEndianBytes() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 1_000; i++) {
            long key = random.nextLong();
            byte[] le = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(key).array();
            assertThat(KeyHash.token(key)).isEqualTo(Hashing.murmur3_128().hashBytes(le).asLong());
        }
    }

    @Test
    void nullKeysAreRejectedByName() {
        assertThatThrownBy(() -> KeyHash.token((String) null)).hasMessageContaining("key must not be null");
        assertThatThrownBy(() -> KeyHash.token((byte[]) null)).hasMessageContaining("key must not be null");
    }

    private static String randomString(SplittableRandom random, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(4);
            // mostly ASCII (the copy-free path), some 2-, 3- and 4-byte UTF-8 characters
            int cp = kind < 2 ? random.nextInt(0x80) : kind == 2 ? 0x80 + random.nextInt(0x7000) : 0x1F600 + random.nextInt(64);
            s.appendCodePoint(cp);
        }
        return s.toString();
    }
}
