package io.ringroute.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringroute.shard.embedded.EmbeddedShardCluster;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A consistency token that comes back altered (a cookie mangled by a proxy, a client editing it, a forger) is
 * refused with a typed error; it can never lower or drop a shard's position and so cause a stale read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenIntegrityTest {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static final String OLD_SECRET = "the-old-secret-of-the-routers";
    private static final String NEW_SECRET = "the-new-secret-of-the-routers";

    private final EmbeddedShardCluster cluster = SharedCluster.get();
    private final Kv kv = new Kv("kv_token_integrity");
    private ShardRouter router;
    private String realToken;

    @BeforeAll
    void start() throws Exception {
        kv.create(cluster);
        router = ShardRouter.builder().topology(cluster.topology()).build();
        Session s = router.session();
        for (int i = 0; s.token().shards().size() < 2; i++) {
            s.write("k" + i, kv.put("k" + i, i));
        }
        realToken = s.token().toString();
    }

    @AfterAll
    void stop() {
        router.close();
    }

    @Test
    void everySingleCharacterEditOfARealTokenIsRefusedOrChangesNothing() {
        ConsistencyToken original = router.session(realToken).token();
        List<String> edits = new ArrayList<>();
        for (int i = 0; i < realToken.length(); i++) {
            for (char c : ALPHABET.toCharArray()) {
                if (c != realToken.charAt(i)) {
                    edits.add(realToken.substring(0, i) + c + realToken.substring(i + 1));
                }
                edits.add(realToken.substring(0, i) + c + realToken.substring(i));
            }
            edits.add(realToken.substring(0, i) + realToken.substring(i + 1));
        }
        int refused = 0;
        List<String> accepted = new ArrayList<>();
        for (String edited : edits) {
            try {
                ConsistencyToken t = router.session(edited).token();
                if (!t.equals(original)) {
                    accepted.add(edited);
                }
            } catch (IllegalArgumentException e) {
                refused++;
            }
        }
        assertThat(accepted).as("edits read as a different token").isEmpty();
        // only edits of the last character's unused low bits decode to the same bytes
        assertThat(refused).isGreaterThan(edits.size() * 98 / 100);
    }

    @Test
    void aRefusedTokenNamesItsProblem() {
        String flipped = realToken.substring(0, 5) + (realToken.charAt(5) == 'A' ? 'B' : 'A') + realToken.substring(6);
        assertThatThrownBy(() -> router.session(flipped)).isInstanceOfSatisfying(InvalidTokenException.class,
                e -> assertThat(e.problem()).isEqualTo(InvalidTokenException.Problem.INTEGRITY))
                .hasMessageContaining("integrity tag does not match");
        assertThatThrownBy(() -> router.session("")).isInstanceOfSatisfying(InvalidTokenException.class,
                e -> assertThat(e.problem()).isEqualTo(InvalidTokenException.Problem.EMPTY));
        assertThatThrownBy(() -> router.session("a*b")).isInstanceOfSatisfying(InvalidTokenException.class,
                e -> assertThat(e.problem()).isEqualTo(InvalidTokenException.Problem.NOT_BASE64));
        String versionOne = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[]{1, 3, 0});
        assertThatThrownBy(() -> router.session(versionOne)).isInstanceOfSatisfying(InvalidTokenException.class,
                e -> assertThat(e.problem()).isEqualTo(InvalidTokenException.Problem.UNSUPPORTED_VERSION))
                .hasMessageContaining("version 1");
    }

    @Test
    void tokensSignedWithASecretAreRefusedWithoutItAndReadAcrossAKeyRotation() throws Exception {
        try (ShardRouter old = keyed(TokenKeys.of(OLD_SECRET));
             ShardRouter rotating = keyed(TokenKeys.of(NEW_SECRET, OLD_SECRET));
             ShardRouter rotated = keyed(TokenKeys.of(NEW_SECRET))) {
            Session s = old.session();
            s.write("signed", kv.put("signed", 1));
            String signedByOld = s.token().toString();

            assertThat(rotating.session(signedByOld).token()).isEqualTo(s.token());
            assertThatThrownBy(() -> rotated.session(signedByOld)).isInstanceOfSatisfying(
                    InvalidTokenException.class,
                    e -> assertThat(e.problem()).isEqualTo(InvalidTokenException.Problem.INTEGRITY));
            assertThatThrownBy(() -> rotated.session(realToken)).as("an unsigned (checksum) token")
                    .isInstanceOf(InvalidTokenException.class);
            assertThatThrownBy(() -> router.session(signedByOld)).as("a router without the secret")
                    .isInstanceOf(InvalidTokenException.class);

            String resignedByRotating = rotating.session(signedByOld).token().toString();
            assertThat(rotated.session(resignedByRotating).token()).as("the new secret signs")
                    .isEqualTo(s.token());
        }
    }

    private ShardRouter keyed(TokenKeys keys) {
        return ShardRouter.builder().topology(cluster.topology()).tokenKeys(keys).build();
    }
}
