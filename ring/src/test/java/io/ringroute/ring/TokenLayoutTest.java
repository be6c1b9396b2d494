package io.ringroute.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The layout as data: pinned allocation vectors, its text form and checksum, and rings built from it. */
class TokenLayoutTest {

    /** node-0 .. node-(n-1), weight 1, no zone, added one at a time to an empty layout of 32 tokens, R = 3. */
    static TokenLayout grown(int n) {
        TokenLayout layout = TokenLayout.empty(32, 3);
        for (int i = 0; i < n; i++) {
            layout = layout.withNode(Node.of("node-" + i));
        }
        return layout;
    }

    @Test
    void aLayoutGrownFromThreeToFiftyNodesMatchesThePinnedVectors() {
        TokenLayout three = grown(3);
        assertThat(three.tokens("node-0")[0]).isEqualTo(Long.MIN_VALUE);
        assertThat(three.tokens("node-0")[1]).isEqualTo(Long.MIN_VALUE + (1L << 59)); // floor(2^64 / 32) apart
        assertThat(three.tokenDigest()).isEqualTo(PINNED_3);
        TokenLayout fifty = grown(50);
        assertThat(fifty.version()).isEqualTo(50);
        assertThat(fifty.tokenCount()).isEqualTo(50 * 32);
        assertThat(fifty.tokens("node-49")[0]).isEqualTo(PINNED_NODE_49_FIRST);
        assertThat(fifty.tokenDigest()).isEqualTo(PINNED_50);
    }

    private static final String PINNED_3 = "f58b6691639341a9c94a18aacffe3aaf145d3c60a351546f7399f1b174be4210";
    private static final String PINNED_50 = "7d3a1f4c3329ed2a2691166900fb4b64a9b1dd8fead7ab586266f23d6b82d244";
    private static final long PINNED_NODE_49_FIRST = -7996726778768827596L;

    @Test
    void theTextFormRoundTripsAndEveryLoaderBuildsTheIdenticalRing() {
        TokenLayout layout = grown(12).withNode(Node.builder("cache a/é").weight(2).zone("eu 1%").build());
        String text = layout.toText();
        TokenLayout loaded = TokenLayout.parse(text);
        assertThat(loaded).isEqualTo(layout);
        assertThat(loaded.toText()).isEqualTo(text);
        assertThat(loaded.tokenDigest()).isEqualTo(layout.tokenDigest());
        HashRing a = HashRing.builder().layout(layout).build();
        HashRing b = HashRing.builder().layout(loaded).build();
        assertThat(b).isEqualTo(a);
        assertThat(b.tokens()).isEqualTo(a.tokens());
        assertThat(b.node("cache a/é").orElseThrow().zone()).contains("eu 1%");
    }

    @Test
    void anEditedOrTruncatedTextIsRejectedByItsChecksum() {
        String text = grown(4).toText();
        String edited = text.replaceFirst("weight=1.0", "weight=2.0");
        assertThatThrownBy(() -> TokenLayout.parse(edited)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checksum mismatch");
        String truncated = text.substring(0, text.indexOf("checksum"));
        assertThatThrownBy(() -> TokenLayout.parse(truncated)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no checksum line");
    }

    @Test
    void malformedTextNamesWhatIsWrong() {
        assertThatThrownBy(() -> TokenLayout.parse(withChecksum("hello\nversion 1\ntokens-per-unit 1\nreplicas 1\n")))
                .hasMessageContaining("must start with 'ringroute-layout 1'");
        String header = "ringroute-layout 1\nversion 1\ntokens-per-unit 4\nreplicas 2\n";
        assertThatThrownBy(() -> TokenLayout.parse(withChecksum(header + "node a weight=1.0 tokens=12\n")))
                .hasMessageContaining("line 5").hasMessageContaining("'12' is not 16 hex digits");
        assertThatThrownBy(() -> TokenLayout.parse(withChecksum(header
                + "node a weight=1.0 tokens=0000000000000002,0000000000000001\n")))
                .hasMessageContaining("not ascending");
        assertThatThrownBy(() -> TokenLayout.parse(withChecksum(header
                + "node a weight=1.0 tokens=0000000000000001\nnode b weight=1.0 tokens=0000000000000001\n")))
                .hasMessageContaining("belongs to two nodes");
        assertThatThrownBy(() -> TokenLayout.parse(withChecksum(header + "node a weight=x tokens=0000000000000001\n")))
                .hasMessageContaining("weight 'x' is not a number");
        assertThatThrownBy(() -> TokenLayout.parse(withChecksum("ringroute-layout 1\nversion one\n"
                + "tokens-per-unit 4\nreplicas 2\n"))).hasMessageContaining("expected 'version <integer>'");
    }

    private static String withChecksum(String body) {
        return body + "checksum " + LayoutText.checksum(body) + "\n";
    }

    @Test
    void aRingGrownWithWithNodeCarriesTheSameLayoutAsTheLayoutGrownAlone() {
        HashRing ring = HashRing.builder().layout(TokenLayout.empty(32, 3)).build();
        assertThat(ring.isEmpty()).isTrue();
        for (int i = 0; i < 8; i++) {
            ring = ring.withNode(Node.of("node-" + i));
        }
        assertThat(ring.layout()).contains(grown(8));
        assertThat(ring.layout().orElseThrow().version()).isEqualTo(8);
        HashRing shrunk = ring.withoutNode("node-2");
        assertThat(shrunk.layout().orElseThrow().contains("node-2")).isFalse();
        assertThat(shrunk.layout().orElseThrow().version()).isEqualTo(9);
        assertThat(HashRing.builder().vnodesPerNode(4).node(Node.of("a")).build().layout()).isEmpty();
    }

    @Test
    void badArgumentsNameTheValue() {
        assertThatThrownBy(() -> TokenLayout.empty(0, 3)).hasMessageContaining("tokensPerUnit must be >= 1, was 0");
        assertThatThrownBy(() -> TokenLayout.empty(8, 0)).hasMessageContaining("replicas must be >= 1, was 0");
        assertThatThrownBy(() -> grown(2).withNode(Node.of("node-1"))).hasMessageContaining("duplicate node id 'node-1'");
        assertThatThrownBy(() -> grown(2).withoutNode("nope")).hasMessageContaining("no node 'nope' in layout version 2");
        assertThatThrownBy(() -> grown(2).rebalanced(0)).hasMessageContaining("moves must be >= 1, was 0");
    }
}
