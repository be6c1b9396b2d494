package io.ringroute.cache;

import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.node.CacheNodeConfig;
import io.ringroute.cache.wire.ClusterSecret;
import io.ringroute.cache.wire.RangeEntries;
import io.ringroute.cache.wire.TokenRangePredicate;
import io.ringroute.cache.wire.WireFormat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.Predicate;
import io.ringroute.ring.TokenRange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A node's port as an attacker sees it: a plain Hazelcast client (no ringroute classes, no filter) that knows the
 * guessable cluster name sends Java-serialized objects, speaks text protocols, asks for SQL; and a client that
 * does not know the node's secret.
 */
class CacheNodeSecurityTest {

    private static final String SECRET = "correct horse battery staple";

    @Test
    void aJavaSerializedCallableFromAPlainClientIsRefusedWithoutRunning() {
        try (CacheNode node = TestNodes.start("rce")) {
            HazelcastInstance attacker = plainClient(CacheNode.clusterName(node.name()), node.address());
            try {
                ForeignTask.RUNS.set(0);
                assertThatThrownBy(() -> attacker.getExecutorService(WireFormat.WARMING_EXECUTOR)
                        .submit(new ForeignTask()).get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasMessageContaining(ForeignTask.class.getName() + " is not allowed");
                assertThat(ForeignTask.RUNS).hasValue(0);
            } finally {
                attacker.shutdown();
            }
        }
    }

    @Test
    void aJavaSerializedPredicateIsRefusedWithoutBeingEvaluated() {
        try (CacheNode node = TestNodes.start("predicate")) {
            node.map().set("k", new byte[] {1});
            HazelcastInstance attacker = plainClient(CacheNode.clusterName(node.name()), node.address());
            try {
                ForeignPredicate.EVALUATIONS.set(0);
                IMap<Object, byte[]> map = attacker.getMap(CacheNode.MAP_NAME);
                assertThatThrownBy(() -> map.keySet(new ForeignPredicate()))
                        .hasMessageContaining(ForeignPredicate.class.getName() + " is not allowed");
                assertThat(ForeignPredicate.EVALUATIONS).hasValue(0);
                assertThat(map.get("k")).containsExactly(1); // plain String keys and byte[] values still work
            } finally {
                attacker.shutdown();
            }
        }
    }

    @Test
    void aClientWithoutTheSecretCannotConnectAndOneWithItCan() {
        CacheNodeConfig config = CacheNodeConfig.builder("guarded").port(TestNodes.freePort()).secret(SECRET).build();
        try (CacheNode node = CacheNode.start(config)) {
            assertThatThrownBy(() -> plainClient(CacheNode.clusterName(node.name()), node.address()).shutdown())
                    .hasMessageContaining("Unable to connect");
            try (CacheCluster<byte[]> wrong = TestNodes.cluster(List.of(node)).secret("not " + SECRET)
                    .connectTimeout(Duration.ofSeconds(3)).allowDegradedStart(true).build()) {
                assertThat(wrong.nodeStates()).containsEntry(node.name(), NodeState.EJECTED);
            }
            try (CacheCluster<byte[]> right = TestNodes.cluster(List.of(node)).secret(SECRET).build()) {
                right.put("k", new byte[] {7});
                assertThat(right.get("k")).containsExactly(7);
            }
        }
    }

    @Test
    void theSecretIsNeitherInTheClusterNameNorInTheConfigText() {
        CacheNodeConfig config = CacheNodeConfig.builder("quiet").secret(SECRET).build();
        assertThat(config.clusterName()).startsWith("ringroute-quiet-").doesNotContain(SECRET)
                .isNotEqualTo(CacheNode.clusterName("quiet"))
                .isEqualTo(ClusterSecret.of(SECRET).clusterName("quiet"));
        assertThat(ClusterSecret.of(SECRET).clusterName("other")).isNotEqualTo(config.clusterName());
        assertThat(config.toString()).doesNotContain(SECRET).contains("secret set");
        assertThatThrownBy(() -> CacheNodeConfig.builder("a").secret("short"))
                .hasMessage("secret must have 16 to 1024 characters, had 5");
    }

    @Test
    void aHostBeyondLoopbackNeedsAllowRemoteAndASecret() {
        assertThatThrownBy(() -> CacheNodeConfig.builder("a").host("192.0.2.1").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not loopback")
                .hasMessageContaining("--allow-remote");
        assertThatThrownBy(() -> CacheNodeConfig.builder("a").host("192.0.2.1").allowRemote(true).build())
                .hasMessageContaining("needs a secret");
        CacheNodeConfig remote = CacheNodeConfig.builder("a").host("192.0.2.1").allowRemote(true).secret(SECRET)
                .build();
        assertThatThrownBy(() -> CacheNode.start(remote)).isInstanceOf(IllegalStateException.class)
                .hasMessage("cache node a cannot listen on 192.0.2.1:5701: 192.0.2.1 is not an address of this"
                        + " machine");
        assertThat(CacheNodeConfig.builder("a").host("localhost").build().bindAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void restMemcacheJetAndManagementCenterScriptingAreOff() throws IOException {
        try (CacheNode node = TestNodes.start("closed")) {
            String http = "GET /hazelcast/health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            assertThat(replyTo(node, http)).as("reply to an HTTP request").isEmpty();
            assertThat(replyTo(node, "version\r\n")).as("reply to a memcache request").isEmpty();

            HazelcastInstance client = plainClient(CacheNode.clusterName(node.name()), node.address());
            try {
                assertThatThrownBy(() -> client.getSql().execute("SELECT 1")).hasMessageContaining("Jet");
            } finally {
                client.shutdown();
            }
            Config config = Hazelcast.getAllHazelcastInstances().stream()
                    .filter(m -> m.getConfig().getClusterName().equals(CacheNode.clusterName(node.name())))
                    .findFirst().orElseThrow().getConfig();
            assertThat(config.getJetConfig().isEnabled()).isFalse();
            assertThat(config.getManagementCenterConfig().isScriptingEnabled()).isFalse();
            assertThat(config.getManagementCenterConfig().isConsoleEnabled()).isFalse();
            assertThat(config.getManagementCenterConfig().isDataAccessEnabled()).isFalse();
            assertThat(config.getUserCodeDeploymentConfig().isEnabled()).isFalse();
            assertThat(config.getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isFalse();
            assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
        }
    }

    @Test
    void rangeEntriesTravelBetweenNodesWithBothKeyKindsAndTheirTtl() {
        try (CacheNode source = TestNodes.start("export"); CacheNode target = TestNodes.start("import")) {
            source.map().set("text-key", new byte[] {1}, 10, TimeUnit.MINUTES);
            source.map().set(new byte[] {9, 9}, new byte[] {2});
            long exportFrom;
            long exportTo;
            try (CacheCluster<byte[]> cluster = TestNodes.cluster(List.of(source, target)).build()) {
                NodeClient from = cluster.clients().get(source.name());
                NodeClient to = cluster.clients().get(target.name());
                exportFrom = System.currentTimeMillis();
                RangeEntries all = from.export(TokenRangePredicate.of(List.of(new TokenRange(0, 0))));
                exportTo = System.currentTimeMillis();
                assertThat(all.size()).isEqualTo(2);
                assertThat(to.importEntries(all)).isEqualTo(2);
            }
            assertThat(target.map().get("text-key")).containsExactly(1);
            assertThat(target.map().get(new byte[] {9, 9})).containsExactly(2);
            // The copy expires with the original: its TTL is what the source's entry had left at the export. Members
            // keep expiry times and TTLs in whole seconds (rounded down), so expiry - TTL is the export's instant
            // rounded up to a second; a copy with the full 10 minutes (or the node's default) is a second or more off.
            long sourceExpires = source.map().getEntryView("text-key").getExpirationTime();
            assertThat(sourceExpires - target.map().getEntryView("text-key").getTtl())
                    .as("the instant the copied TTL was measured from")
                    .isBetween(upToSecond(exportFrom), upToSecond(exportTo));
        }
    }

    @Test
    void forgedRangeTransfersAreRefusedWithAClearErrorAndChangeNothing() {
        try (CacheNode node = TestNodes.start("forged")) {
            HazelcastInstance attacker = plainClient(CacheNode.clusterName(node.name()), node.address());
            try {
                // Claims 2^31-1 entries and sends none: read as a RangeImport, it must not reserve room for them.
                assertThatThrownBy(() -> attacker.getExecutorService(WireFormat.WARMING_EXECUTOR)
                        .submit(new ForgedImport(Integer.MAX_VALUE)).get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class);
                IMap<Object, byte[]> map = attacker.getMap(CacheNode.MAP_NAME);
                map.set("k", new byte[] {1});
                // A predicate whose interval list does not match: refused when read, before it selects anything.
                assertThatThrownBy(() -> map.removeAll(new ForgedPredicate()))
                        .hasMessageContaining("token range predicate needs as many interval ends as starts");
                assertThat(node.entryCount()).isEqualTo(1);
                assertThat(node.isHealthy()).isTrue();
            } finally {
                attacker.shutdown();
            }
        }
    }

    private static long upToSecond(long epochMillis) {
        return (epochMillis + 999) / 1000 * 1000;
    }

    /** What comes back within 5 s on a fresh connection after sending {@code request}; empty when nothing. */
    private static String replyTo(CacheNode node, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", node.config().port()), 5_000);
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[512];
            try {
                int n = in.read(buf);
                return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
            } catch (SocketTimeoutException | SocketException e) {
                return ""; // silence or a reset: no answer either way
            }
        }
    }

    /** A stock Hazelcast client: no ringroute serialization, no filter, 3 s to connect. */
    private static HazelcastInstance plainClient(String clusterName, String address) {
        ClientConfig cc = new ClientConfig();
        cc.setClusterName(clusterName);
        cc.getNetworkConfig().addAddress(address);
        cc.getNetworkConfig().getAutoDetectionConfig().setEnabled(false);
        cc.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(3_000);
        cc.setProperty("hazelcast.phone.home.enabled", "false");
        cc.setProperty("hazelcast.logging.type", "slf4j");
        for (String p : List.of("hazelcast.client.event.thread.count", "hazelcast.client.io.input.thread.count",
                "hazelcast.client.io.output.thread.count", "hazelcast.client.response.thread.count")) {
            cc.setProperty(p, "1");
        }
        return HazelcastClient.newHazelcastClient(cc);
    }

    /** Stands for a gadget: any class on the member's class path whose deserialization leads to running code. */
    static final class ForeignTask implements Callable<String>, Serializable {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger RUNS = new AtomicInteger();

        @Override
        public String call() {
            RUNS.incrementAndGet();
            return "ran";
        }
    }

    /** Our wire ids with a body of the sender's choosing; only ever written. */
    abstract static class Forged implements IdentifiedDataSerializable {
        private final int classId;

        Forged(int classId) {
            this.classId = classId;
        }

        @Override
        public void readData(ObjectDataInput in) {
            throw new UnsupportedOperationException("only sent");
        }

        @Override
        public int getFactoryId() {
            return WireFormat.FACTORY_ID;
        }

        @Override
        public int getClassId() {
            return classId;
        }
    }

    /** A range import that claims {@code count} entries and sends none. */
    static final class ForgedImport extends Forged implements Callable<Integer> {
        private final int count;

        ForgedImport(int count) {
            super(WireFormat.RANGE_IMPORT);
            this.count = count;
        }

        @Override
        public Integer call() {
            throw new AssertionError("never runs on the attacker's side");
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeInt(count);
        }
    }

    /** Claims to be a {@link TokenRangePredicate} with two interval starts and one end. */
    static final class ForgedPredicate extends Forged implements Predicate<Object, byte[]> {
        private static final long serialVersionUID = 1L;

        ForgedPredicate() {
            super(WireFormat.TOKEN_RANGE_PREDICATE);
        }

        @Override
        public boolean apply(Map.Entry<Object, byte[]> entry) {
            return true;
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeLongArray(new long[] {1, 5});
            out.writeLongArray(new long[] {2});
        }
    }

    static final class ForeignPredicate implements Predicate<Object, byte[]> {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger EVALUATIONS = new AtomicInteger();

        @Override
        public boolean apply(Map.Entry<Object, byte[]> entry) {
            EVALUATIONS.incrementAndGet();
            return true;
        }
    }
}
