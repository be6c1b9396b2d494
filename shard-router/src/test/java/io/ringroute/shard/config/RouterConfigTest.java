package io.ringroute.shard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.TokenLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouterConfigTest {

    private static final String VALID = String.join("\n",
            "vnodesPerShard=64",
            "shards.a.weight=2",
            "shards.a.primary.url=jdbc:postgresql://db-a:5432/app",
            "shards.a.primary.user=app",
            "shards.a.primary.password=s3cret",
            "shards.a.primary.maxPoolSize=20",
            "shards.a.replicas.0.url=jdbc:postgresql://db-a-r0:5432/app",
            "shards.a.replicas.0.connectionTimeout=500ms",
            "shards.b.primary.url=jdbc:postgresql://db-b:5432/app",
            "router.replicaPollInterval=50ms",
            "router.sessionWait=1s",
            "catalog.url=jdbc:postgresql://db-catalog:5432/app",
            "catalog.schema=rr_catalog");

    @TempDir
    Path dir;

    @Test
    void aValidFileLoadsEveryField() throws IOException {
        RouterConfig config = RouterConfig.load(write(VALID));
        ShardTopology t = config.topology();
        assertThat(t.shardNames()).containsExactly("a", "b");
        assertThat(t.vnodesPerShard()).isEqualTo(64);
        ShardSpec a = t.shard("a").orElseThrow();
        assertThat(a.weight()).isEqualTo(2.0);
        assertThat(a.primary().user()).isEqualTo("app");
        assertThat(a.primary().password()).isEqualTo("s3cret");
        assertThat(a.primary().maxPoolSize()).isEqualTo(20);
        assertThat(a.replicas()).hasSize(1);
        assertThat(a.replicas().get(0).connectionTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.replicaPollInterval()).isEqualTo(Duration.ofMillis(50));
        assertThat(config.sessionWait()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.catalog().orElseThrow().schema()).isEqualTo("rr_catalog");
        assertThat(config.catalog().orElseThrow().writeLeases()).as("write leases are off by default").isFalse();
        assertThat(RouterConfig.load(write(VALID + "\ncatalog.writeLeases=true\n")).catalog().orElseThrow()
                .writeLeases()).isTrue();
        CatalogSpec spec = config.catalog().orElseThrow();
        assertThat(spec.leaseSilenceLimit()).as("a router out of touch lets go of its leases before a cutover's grace")
                .isLessThan(spec.leaseGrace());
    }

    @Test
    void anUnknownFieldIsRejectedByName() throws IOException {
        assertThatThrownBy(() -> RouterConfig.load(write(VALID + "\nshards.a.primary.urll=x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown field 'shards.a.primary.urll'");
        assertThatThrownBy(() -> RouterConfig.load(write(VALID + "\nrouter.pollInterval=1s")))
                .hasMessageContaining("unknown field 'router.pollInterval'");
        assertThatThrownBy(() -> RouterConfig.load(write(VALID + "\nshard.c.primary.url=x")))
                .hasMessageContaining("unknown field 'shard.c.primary.url'");
    }

    @Test
    void aMissingUrlIsNamedWithItsShard() throws IOException {
        assertThatThrownBy(() -> RouterConfig.load(write(VALID + "\nshards.c.weight=1")))
                .hasMessageContaining("shards.c.primary.url is missing")
                .hasMessageContaining("shard 'c'");
        assertThatThrownBy(() -> RouterConfig.load(write(VALID + "\nshards.a.replicas.1.user=x")))
                .hasMessageContaining("shards.a.replicas.1.url is missing");
    }

    @Test
    void duplicateShardNamesAreRejected() throws IOException {
        assertThatThrownBy(() -> RouterConfig.load(write(VALID + "\nshards.b.primary.url=jdbc:postgresql://x/y")))
                .hasMessageContaining("duplicate key 'shards.b.primary.url'");
        ShardSpec a = ShardSpec.builder("a").primary(ServerSpec.builder("jdbc:postgresql://h1/db").build()).build();
        ShardSpec a2 = ShardSpec.builder("a").primary(ServerSpec.builder("jdbc:postgresql://h2/db").build()).build();
        assertThatThrownBy(() -> ShardTopology.builder().shard(a).shard(a2).build())
                .hasMessage("duplicate shard name 'a'");
    }

    @Test
    void aReplicaEqualToItsPrimaryIsRejected() throws IOException {
        assertThatThrownBy(() -> RouterConfig.load(write(VALID
                + "\nshards.b.replicas.0.url=jdbc:postgresql://DB-B:5432/app?ssl=false")))
                .hasMessageContaining("shard 'b': replica 0 (jdbc:postgresql://DB-B:5432/app?ssl=false) is the"
                        + " primary itself");
    }

    @Test
    void badValuesNameTheKeyAndTheValue() throws IOException {
        assertThatThrownBy(() -> RouterConfig.load(write(VALID.replace("maxPoolSize=20", "maxPoolSize=many"))))
                .hasMessageContaining("shards.a.primary.maxPoolSize must be an integer, was 'many'");
        assertThatThrownBy(() -> RouterConfig.load(write(VALID.replace("weight=2", "weight=-1"))))
                .hasMessageContaining("shard 'a': weight must be finite and > 0, was -1.0");
        assertThatThrownBy(() -> RouterConfig.load(write(VALID.replace("sessionWait=1s", "sessionWait=soon"))))
                .hasMessageContaining("router.sessionWait must be a duration");
        assertThatThrownBy(() -> RouterConfig.load(write(VALID.replace("url=jdbc:postgresql://db-b", "url=http://db-b"))))
                .hasMessageContaining("must start with jdbc:postgresql://");
        assertThatThrownBy(() -> RouterConfig.load(write(VALID + "\ncatalog.writeLeases=yes\n")))
                .hasMessageContaining("catalog.writeLeases must be true or false, was 'yes'");
        assertThatThrownBy(() -> RouterConfig.load(dir.resolve("missing.properties")))
                .hasMessageContaining("cannot read configuration file");
    }

    @Test
    void passwordsNeverShowInToStringOrErrors() throws IOException {
        ServerSpec spec = ServerSpec.builder("jdbc:postgresql://u:pw1@db:5432/app?password=pw2&ssl=true")
                .password("pw3").build();
        assertThat(spec.toString()).doesNotContain("pw1", "pw2", "pw3").contains("password=***");
        assertThat(spec.redactedUrl()).isEqualTo("jdbc:postgresql://***@db:5432/app?password=***&ssl=true");
        RouterConfig config = RouterConfig.load(write(VALID));
        assertThat(config.toString()).doesNotContain("s3cret");
        assertThatThrownBy(() -> RouterConfig.load(write(VALID.replace("shards.b.primary.url=jdbc:postgresql://db-b:5432/app",
                "shards.b.primary.url=ftp://db-b/?password=pw9"))))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw9"));
    }

    @Test
    void aLayoutFileNamedByTheConfigurationPlacesTheShardsByIt() throws IOException {
        TokenLayout layout = TokenLayout.empty().withNode(Node.of("a", 2)).withNode(Node.of("b"));
        Files.writeString(dir.resolve("layout.txt"), layout.toText());
        RouterConfig config = RouterConfig.load(write(VALID + "\nlayout.file=layout.txt"));
        assertThat(config.topology().layout()).contains(layout);
        assertThat(config.topology().ring().tokens()).isEqualTo(HashRing.builder().layout(layout).build().tokens());

        Properties inline = new Properties();
        inline.load(new java.io.StringReader(VALID));
        inline.setProperty("layout.text", layout.toText());
        assertThat(RouterConfig.fromProperties(inline).topology().layout()).contains(layout);
    }

    @Test
    void aLayoutWithABadChecksumOrOtherShardsIsRefusedNamingTheKey() throws IOException {
        TokenLayout layout = TokenLayout.empty().withNode(Node.of("a", 2)).withNode(Node.of("b"));
        Files.writeString(dir.resolve("edited.txt"), layout.toText().replace("version 2", "version 3"));
        assertThatThrownBy(() -> RouterConfig.load(write(VALID + "\nlayout.file=edited.txt")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layout.file: layout checksum mismatch");
        assertThatThrownBy(() -> RouterConfig.load(write(VALID + "\nlayout.file=missing.txt")))
                .hasMessageContaining("layout.file: cannot read the token layout file");
        Files.writeString(dir.resolve("other.txt"), layout.withNode(Node.of("x")).toText());
        assertThatThrownBy(() -> RouterConfig.load(write(VALID + "\nlayout.file=other.txt")))
                .hasMessageContaining("layout.file: the token layout (version 3) places shard 'x', which the"
                        + " topology does not define");
        Files.writeString(dir.resolve("light.txt"), TokenLayout.empty().withNode(Node.of("a")).toText());
        assertThatThrownBy(() -> RouterConfig.load(write(VALID + "\nlayout.file=light.txt")))
                .hasMessageContaining("layout.file: shard 'a' has weight 2.0 but the token layout (version 1)"
                        + " gives it 1.0");
        assertThatThrownBy(() -> RouterConfig.load(write(VALID + "\nlayout.file=edited.txt\nlayout.text=x")))
                .hasMessageContaining("set layout.file or layout.text, not both");
    }

    @Test
    void shardsALayoutLacksGetTokensFromTheAllocatorInNameOrder() throws IOException {
        TokenLayout layout = TokenLayout.empty().withNode(Node.of("a", 2));
        Files.writeString(dir.resolve("layout.txt"), layout.toText());
        ShardTopology t = RouterConfig.load(write(VALID + "\nlayout.file=layout.txt")).topology();
        assertThat(t.layout()).contains(layout.withNode(Node.of("b")));
        assertThat(t.withoutShard("b").layout()).contains(layout.withNode(Node.of("b")).withoutNode("b"));
    }

    private Path write(String content) throws IOException {
        Path file = Files.createTempFile(dir, "router", ".properties");
        Files.writeString(file, content);
        return file;
    }
}
