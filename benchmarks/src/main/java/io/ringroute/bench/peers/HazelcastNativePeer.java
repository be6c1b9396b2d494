package io.ringroute.bench.peers;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.RoutingMode;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.Partition;
import com.hazelcast.partition.PartitionService;
import com.hazelcast.partition.ReplicaMigrationEvent;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A native Hazelcast cluster: four {@link HazelcastClusterMember} JVMs forming one cluster (271 partitions, one
 * synchronous backup), and one smart client that sends each call to its key's partition owner. Migrations are
 * counted with the client's migration listener; keys per partition come from the client's partition table.
 */
final class HazelcastNativePeer implements HazelcastPeer {

    private static final int MEMBERS = 4;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(3);
    /** No migration event for this long after the last migration finished: the cluster is settled. */
    private static final long QUIET_NANOS = Duration.ofSeconds(2).toNanos();

    private final HazelcastChildJvms jvms;
    private final Duration callTimeout;
    private final String cluster = "peers-" + Long.toHexString(new SecureRandom().nextLong());
    private final int[] ports = new int[MEMBERS + 1];
    private final Process[] members = new Process[MEMBERS + 1];
    private final Queue<ReplicaMigrationEvent> replicaMigrations = new ConcurrentLinkedQueue<>();
    private final AtomicInteger migrationsStarted = new AtomicInteger();
    private final AtomicInteger migrationsFinished = new AtomicInteger();
    private final AtomicLong lastEventNanos = new AtomicLong();
    private HazelcastInstance client;
    private IMap<String, byte[]> map;

    /**
     * @param callTimeout the client's invocation timeout and heartbeat timeout (heartbeat every quarter of it):
     *                    the failure detection ringroute's node clients use for their call timeout
     */
    HazelcastNativePeer(HazelcastChildJvms jvms, Duration callTimeout) throws IOException {
        this.jvms = jvms;
        this.callTimeout = callTimeout;
        for (int i = 0; i <= MEMBERS; i++) {
            ports[i] = HazelcastChildJvms.freePort();
        }
        for (int i = 0; i < MEMBERS; i++) {
            members[i] = startMember(i, MEMBERS, MEMBERS);
        }
    }

    @Override
    public String label() {
        return "native Hazelcast";
    }

    @Override
    public void open() throws Exception {
        for (int i = 0; i < MEMBERS; i++) {
            awaitReady(i);
        }
        ClientConfig cc = new ClientConfig();
        cc.setClusterName(cluster);
        for (int i = 0; i < MEMBERS; i++) {
            cc.getNetworkConfig().addAddress("127.0.0.1:" + ports[i]);
        }
        // ALL_MEMBERS is the smart client (and the default): a connection to every member, each call to its owner.
        cc.getNetworkConfig().getClusterRoutingConfig().setRoutingMode(RoutingMode.ALL_MEMBERS);
        cc.getNetworkConfig().getAutoDetectionConfig().setEnabled(false);
        cc.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(60_000);
        cc.setProperty("hazelcast.phone.home.enabled", "false");
        cc.setProperty("hazelcast.logging.type", "slf4j");
        cc.setProperty("hazelcast.client.invocation.timeout.seconds", Long.toString(callTimeout.toSeconds()));
        cc.setProperty("hazelcast.client.heartbeat.interval", Long.toString(callTimeout.toMillis() / 4));
        cc.setProperty("hazelcast.client.heartbeat.timeout", Long.toString(callTimeout.toMillis()));
        client = HazelcastClient.newHazelcastClient(cc);
        map = client.getMap(HazelcastClusterMember.MAP_NAME);
        client.getPartitionService().addMigrationListener(new MigrationListener() {
            @Override
            public void migrationStarted(MigrationState state) {
                migrationsStarted.incrementAndGet();
                lastEventNanos.set(System.nanoTime());
            }

            @Override
            public void migrationFinished(MigrationState state) {
                migrationsFinished.incrementAndGet();
                lastEventNanos.set(System.nanoTime());
            }

            @Override
            public void replicaMigrationCompleted(ReplicaMigrationEvent event) {
                replicaMigrations.add(event);
                lastEventNanos.set(System.nanoTime());
            }

            @Override
            public void replicaMigrationFailed(ReplicaMigrationEvent event) {
                replicaMigrationCompleted(event); // counted apart by isSuccess()
            }
        });
    }

    @Override
    public byte[] get(String key) {
        return map.get(key);
    }

    @Override
    public void put(String key, byte[] value) {
        map.set(key, value);
    }

    @Override
    public void putAll(Map<String, byte[]> entries) {
        map.putAll(entries);
    }

    @Override
    public HazelcastMemoryProbe.Sample memory() throws Exception {
        return HazelcastMemoryProbe.sum(Arrays.stream(members).filter(Objects::nonNull).toList(),
                HazelcastClusterMember.MAP_NAME);
    }

    @Override
    public Change join(String[] keys) throws Exception {
        Before before = before(keys);
        members[MEMBERS] = startMember(MEMBERS, MEMBERS + 1, 1);
        awaitReady(MEMBERS);
        double joinedAfter = (System.nanoTime() - before.nanos) / 1e9;
        awaitSettled(MEMBERS + 1, before.finished);
        double seconds = (System.nanoTime() - before.nanos) / 1e9;
        // Every entry the new member holds came to it by migration: the copies the join could not avoid.
        HazelcastMemoryProbe.Sample joined = HazelcastMemoryProbe.sample(members[MEMBERS],
                HazelcastClusterMember.MAP_NAME);
        return change(seconds, before, owners(), joined.ownedEntries() + joined.backupEntries(),
                String.format("JVM start to joined %.1f s", joinedAfter));
    }

    @Override
    public Change kill(String[] keys) throws Exception {
        Before before = before(keys);
        jvms.kill(members[1]);
        awaitSettled(MEMBERS, before.finished);
        double seconds = (System.nanoTime() - before.nanos) / 1e9;
        // Lost backups come back by replica sync, not by migration events; the copy counts show they did.
        return change(seconds, before, owners(), 0, "member 2 of 5 killed");
    }

    /** Not observable: the smart client retries a failed call inside the invocation timeout, then throws. */
    @Override
    public long absorbedErrors() {
        return -1;
    }

    /** The partition table and migration count just before a change, and when it started. */
    private record Before(long[] keysIn, UUID[] owners, int finished, long nanos) {
    }

    private Before before(String[] keys) {
        long[] keysIn = keysPerPartition(keys);
        UUID[] owners = owners();
        replicaMigrations.clear();
        return new Before(keysIn, owners, migrationsFinished.get(), System.nanoTime());
    }

    private Change change(double seconds, Before b, UUID[] after, long entriesCopied, String what) {
        long[] keysIn = b.keysIn;
        UUID[] before = b.owners;
        long primaryMoved = 0;
        int partitionsMoved = 0;
        for (int p = 0; p < before.length; p++) {
            if (before[p] == null || !before[p].equals(after[p])) {
                primaryMoved += keysIn[p];
                partitionsMoved++;
            }
        }
        long eventKeys = 0;
        long touched = 0;
        boolean[] partitionTouched = new boolean[before.length];
        int copies = 0;
        int promotions = 0;
        int failed = 0;
        for (ReplicaMigrationEvent e : replicaMigrations) {
            if (!e.isSuccess()) {
                failed++;
            } else if (e.getSource() != null) {
                copies++;
                eventKeys += keysIn[e.getPartitionId()];
                if (!partitionTouched[e.getPartitionId()]) {
                    partitionTouched[e.getPartitionId()] = true;
                    touched += keysIn[e.getPartitionId()];
                }
            } else {
                promotions++;
            }
        }
        return new Change(seconds, primaryMoved, touched, entriesCopied, String.format("%s; %d of %d partitions "
                + "changed owner; %d replica migrations with a source (%,d keys in their partitions), %d without "
                + "one, %d failed; %d migration rounds so far", what, partitionsMoved, before.length, copies,
                eventKeys, promotions, failed, migrationsFinished.get()));
    }

    /** Waits until the client sees {@code expected} members and migrations have finished and stayed quiet. */
    private void awaitSettled(int expected, int finishedBefore) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            boolean members = client.getCluster().getMembers().size() == expected;
            boolean migrated = migrationsFinished.get() > finishedBefore
                    && migrationsFinished.get() >= migrationsStarted.get();
            if (members && migrated && System.nanoTime() - lastEventNanos.get() > QUIET_NANOS && ownersKnown()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("native cluster did not settle at " + expected + " members within "
                + SETTLE_TIMEOUT.toSeconds() + " s");
    }

    private boolean ownersKnown() {
        List<UUID> live = new ArrayList<>();
        client.getCluster().getMembers().forEach(m -> live.add(m.getUuid()));
        for (UUID owner : owners()) {
            if (owner == null || !live.contains(owner)) {
                return false;
            }
        }
        return true;
    }

    private UUID[] owners() {
        PartitionService service = client.getPartitionService();
        UUID[] owners = new UUID[service.getPartitions().size()];
        for (Partition p : service.getPartitions()) {
            Member owner = p.getOwner();
            owners[p.getPartitionId()] = owner == null ? null : owner.getUuid();
        }
        return owners;
    }

    private long[] keysPerPartition(String[] keys) {
        PartitionService service = client.getPartitionService();
        long[] keysIn = new long[service.getPartitions().size()];
        for (String k : keys) {
            keysIn[service.getPartition(k).getPartitionId()]++;
        }
        return keysIn;
    }

    private Process startMember(int index, int memberPorts, int minClusterSize) throws IOException {
        List<String> joinPorts = new ArrayList<>();
        for (int i = 0; i < memberPorts; i++) {
            joinPorts.add(Integer.toString(ports[i]));
        }
        return jvms.start(memberName(index), HazelcastClusterMember.class.getName(), List.of("--cluster", cluster,
                "--port", Integer.toString(ports[index]), "--members", String.join(",", joinPorts),
                "--min-cluster-size", Integer.toString(minClusterSize)));
    }

    private void awaitReady(int index) throws Exception {
        jvms.awaitLine(memberName(index), members[index], "member ready", START_TIMEOUT);
    }

    private static String memberName(int index) {
        return "member-" + (index + 1);
    }

    @Override
    public void close() {
        if (client != null) {
            client.shutdown();
        }
    }
}
