package io.ringroute.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoConfigTest {
    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        return Files.writeString(dir.resolve("demo.properties"), text);
    }

    @Test
    void anExternalConfigurationPointsAtTheRouterFileBesideItAndAtTheListedNodes() throws IOException {
        Files.writeString(dir.resolve("router.properties"), "");
        DemoConfig c = DemoConfig.load(file("mode=external\nexternal.shardTopology=router.properties\n"
                + "external.cacheNodes=a=10.0.0.5:5701, b=cache-b:5702\ncache.replicas=2\nhttp.port=9090\n")).build();
        assertThat(c.mode()).isEqualTo(DemoConfig.Mode.EXTERNAL);
        assertThat(c.shardTopology()).contains(dir.resolve("router.properties"));
        assertThat(c.externalCacheNodes()).extracting(Object::toString)
                .containsExactly("a=10.0.0.5:5701", "b=cache-b:5702");
        assertThat(c.port()).isEqualTo(9090);
    }

    @Test
    void theWebPolicyKeysSetAllowedHostsOperationsAccessCapsAndIdleTimeout() throws IOException {
        DemoConfig c = DemoConfig.load(file("http.host=0.0.0.0\nhttp.allowedHosts=demo.example, [::1]\n"
                + "ops.token=0123456789abcdef\nops.maxCacheNodes=4\nops.maxShards=3\nhttp.idleTimeoutSeconds=9\n"))
                .build();
        assertThat(c.webPolicy().allowedHosts()).containsExactlyInAnyOrder("demo.example", "[::1]");
        assertThat(c.webPolicy().opsToken()).contains("0123456789abcdef");
        assertThat(c.webPolicy().maxCacheNodes()).isEqualTo(4);
        assertThat(c.webPolicy().maxShards()).isEqualTo(3);
        assertThat(c.webPolicy().idleTimeout()).hasSeconds(9);
        assertThat(DemoConfig.load(file("ops.enabled=false\n")).build().webPolicy().opsEnabled()).isFalse();
        assertThatThrownBy(() -> DemoConfig.load(file("ops.token=short\n")))
                .hasMessageContaining("ops.token must be at least 16");
        assertThatThrownBy(() -> DemoConfig.load(file("http.allowedHosts=evil.example:80\n")))
                .hasMessageContaining("'evil.example:80' is not a host name");
    }

    @Test
    void aMisspeltKeyIsRefusedByName() throws IOException {
        assertThatThrownBy(() -> DemoConfig.load(file("timeline.celebrityTreshold=10\n")))
                .hasMessageContaining("unknown key(s) [timeline.celebrityTreshold]");
    }

    @Test
    void badValuesAreRefusedNamingKeyAndValue() throws IOException {
        assertThatThrownBy(() -> DemoConfig.load(file("http.port=eighty\n")))
                .hasMessage("http.port must be an integer, was 'eighty'");
        assertThatThrownBy(() -> DemoConfig.load(file("embedded.shards=0\n")))
                .hasMessage("embedded.shards must be between 1 and 8, was 0");
        assertThatThrownBy(() -> DemoConfig.load(file("mode=cloud\n")))
                .hasMessageContaining("'embedded' or 'external', was 'cloud'");
        assertThatThrownBy(() -> DemoConfig.load(file("external.cacheNodes=a:5701\n")))
                .hasMessageContaining("'a:5701' is not id=host:port");
    }

    @Test
    void externalModeNeedsItsServersAndEnoughCacheNodesForTheReplicas() throws IOException {
        assertThatThrownBy(() -> DemoConfig.load(file("mode=external\nexternal.cacheNodes=a=h:1\n")).build())
                .hasMessageContaining("needs external.shardTopology");
        Files.writeString(dir.resolve("r.properties"), "");
        assertThatThrownBy(() -> DemoConfig.load(file("mode=external\nexternal.shardTopology=r.properties\n"
                + "external.cacheNodes=a=h:1\ncache.replicas=2\n")).build())
                .hasMessageContaining("cache.replicas is 2 but only 1 cache node(s) are listed");
        assertThatThrownBy(() -> DemoConfig.load(file("mode=external\nexternal.shardTopology=missing.properties\n"
                + "external.cacheNodes=a=h:1\ncache.replicas=1\n")).build())
                .hasMessageContaining("is not a readable file");
    }
}
