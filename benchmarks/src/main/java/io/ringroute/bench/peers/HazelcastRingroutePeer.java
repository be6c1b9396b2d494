package io.ringroute.bench.peers;

import io.ringroute.cache.CacheCluster;
import io.ringroute.cache.node.CacheNode;
import io.ringroute.cache.node.CacheNodeMain;
import io.ringroute.cache.NodeState;
import io.ringroute.cache.RebalanceProgress;
import io.ringroute.cache.Warming;
import io.ringroute.ring.HashRing;
import io.ringroute.ring.ReplicaSet;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * ringroute's cache: five node processes started with the node CLI ({@link CacheNodeMain}, each its own one-member
 * Hazelcast cluster), four of them in a {@link CacheCluster} with R = 2; the fifth joins with {@code addNode} and
 * warming. What moved comes from the rings before and after and from the change's {@link RebalanceProgress}.
 */
final class HazelcastRingroutePeer implements HazelcastPeer {

    private static final int NODES = 4;
    private static final int REPLICAS = 2;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration EJECT_TIMEOUT = Duration.ofSeconds(60);
    private static final String VICTIM = "n2";

    private final HazelcastChildJvms jvms;
    private final Duration callTimeout;
    private final int[] ports = new int[NODES + 1];
    private final Process[] nodes = new Process[NODES + 1];
    private CacheCluster<byte[]> cluster;

    /** @param callTimeout the cluster's call timeout (also its node clients' heartbeat timeout) */
    HazelcastRingroutePeer(HazelcastChildJvms jvms, Duration callTimeout) throws IOException {
        this.jvms = jvms;
        this.callTimeout = callTimeout;
        for (int i = 0; i <= NODES; i++) {
            ports[i] = HazelcastChildJvms.freePort();
            nodes[i] = jvms.start(id(i), CacheNodeMain.class.getName(), List.of("--name", id(i), "--port",
                    Integer.toString(ports[i]), "--max-size", "5m", "--ttl", "1h"));
        }
    }

    @Override
    public String label() {
        return "ringroute CacheCluster";
    }

    @Override
    public void open() throws Exception {
        for (int i = 0; i <= NODES; i++) {
            jvms.awaitLine(id(i), nodes[i], "ready", START_TIMEOUT);
        }
        CacheCluster.Builder<byte[]> b = CacheCluster.builder().replicationFactor(REPLICAS)
                .callTimeout(callTimeout);
        for (int i = 0; i < NODES; i++) {
            b.node(id(i), address(i));
        }
        cluster = b.build();
    }

    @Override
    public byte[] get(String key) {
        return cluster.get(key);
    }

    @Override
    public void put(String key, byte[] value) {
        cluster.put(key, value);
    }

    @Override
    public void putAll(Map<String, byte[]> entries) {
        cluster.putAll(entries);
    }

    @Override
    public HazelcastMemoryProbe.Sample memory() throws Exception {
        List<Process> inCluster = cluster.nodeStates().keySet().stream()
                .map(id -> nodes[Integer.parseInt(id.substring(1)) - 1]).toList();
        return HazelcastMemoryProbe.sum(inCluster, CacheNode.MAP_NAME);
    }

    @Override
    public Change join(String[] keys) {
        HashRing before = cluster.ring();
        long t0 = System.nanoTime();
        RebalanceProgress done = cluster.addNode(id(NODES), address(NODES), 1.0, null, Warming.WARM);
        double seconds = (System.nanoTime() - t0) / 1e9;
        HashRing after = cluster.ring();
        long primaryMoved = 0;
        long setChanged = 0;
        for (String k : keys) {
            if (!before.primary(k).id().equals(after.primary(k).id())) {
                primaryMoved++;
            }
            if (!sameIds(before.replicas(k, REPLICAS), after.replicas(k, REPLICAS))) {
                setChanged++;
            }
        }
        return new Change(seconds, primaryMoved, setChanged, done.entriesCopied(), done.toString());
    }

    @Override
    public Change kill(String[] keys) throws InterruptedException {
        HashRing ring = cluster.ring();
        long primaryLost = 0;
        long copyLost = 0;
        for (String k : keys) {
            ReplicaSet set = ring.replicas(k, REPLICAS);
            primaryLost += set.primary().id().equals(VICTIM) ? 1 : 0;
            copyLost += set.containsId(VICTIM) ? 1 : 0;
        }
        long t0 = System.nanoTime();
        jvms.kill(nodes[1]);
        long deadline = t0 + EJECT_TIMEOUT.toNanos();
        while (cluster.nodeStates().get(VICTIM) != NodeState.EJECTED && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Change(seconds, primaryLost, copyLost, 0, String.format("node %s of 5 killed, %s after %.2f s;"
                + " no re-replication: its keys keep one live copy until it returns (refilled) or is removed",
                VICTIM, cluster.nodeStates().get(VICTIM), seconds));
    }

    @Override
    public long absorbedErrors() {
        return cluster.stats().errors();
    }

    private String address(int i) {
        return "127.0.0.1:" + ports[i];
    }

    private static String id(int i) {
        return "n" + (i + 1);
    }

    private static boolean sameIds(ReplicaSet a, ReplicaSet b) {
        return a.size() == b.size() && a.stream().allMatch(n -> b.containsId(n.id()));
    }

    @Override
    public void close() {
        if (cluster != null) {
            cluster.close();
        }
    }
}
