package io.ringroute.bench.peers;

import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One member of a native Hazelcast cluster, run in its own JVM by {@link HazelcastPeerComparison}: TCP/IP join to
 * the listed loopback members (multicast and auto-detection off), bound to 127.0.0.1 only, phone-home off, the
 * default 271 partitions, and the cache map with one synchronous backup. Prints "member ready" once it has joined,
 * and exits when its stdin closes, so it never outlives the benchmark that started it.
 */
@Command(name = "hazelcast-cluster-member", mixinStandardHelpOptions = true,
        description = "A native Hazelcast cluster member on loopback for the peer comparison.")
public final class HazelcastClusterMember implements Callable<Integer> {

    /** The map both systems are measured on, in the native cluster. */
    static final String MAP_NAME = "peer-cache";

    @Option(names = "--cluster", required = true, description = "Cluster name.")
    String cluster;

    @Option(names = "--port", required = true, description = "Port on 127.0.0.1.")
    int port;

    @Option(names = "--members", required = true, split = ",", description = "Ports of the members to join.")
    List<Integer> members;

    @Option(names = "--min-cluster-size", defaultValue = "1",
            description = "Members to wait for before serving (default: ${DEFAULT-VALUE}).")
    int minClusterSize;

    @Option(names = "--backups", defaultValue = "1", description = "Synchronous backups (default: ${DEFAULT-VALUE}).")
    int backups;

    @Option(names = "--max-entries", defaultValue = "5000000",
            description = "LRU bound per member (default: ${DEFAULT-VALUE}).")
    int maxEntries;

    @Option(names = "--ttl-seconds", defaultValue = "3600", description = "Entry TTL (default: ${DEFAULT-VALUE}).")
    int ttlSeconds;

    public static void main(String[] args) {
        System.exit(new CommandLine(new HazelcastClusterMember()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config());
        System.out.println("member ready " + member.getCluster().getLocalMember().getUuid());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() >= 0) {
            // the parent holds the pipe open; end of input means it is gone
        }
        member.getLifecycleService().terminate();
        return 0;
    }

    private Config config() {
        Config hz = new Config();
        hz.setClusterName(cluster);
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        hz.setProperty("hazelcast.socket.bind.any", "false");
        hz.setProperty("hazelcast.logging.type", "slf4j");
        hz.setProperty("hazelcast.shutdownhook.enabled", "false");
        hz.setProperty("hazelcast.local.localAddress", "127.0.0.1");
        hz.setProperty("hazelcast.initial.min.cluster.size", Integer.toString(minClusterSize));
        hz.getJetConfig().setEnabled(false);
        NetworkConfig network = hz.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        members.forEach(p -> join.getTcpIpConfig().addMember("127.0.0.1:" + p));
        hz.addMapConfig(new MapConfig(MAP_NAME)
                .setBackupCount(backups)
                .setAsyncBackupCount(0)
                .setTimeToLiveSeconds(ttlSeconds)
                .setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
                        .setMaxSizePolicy(MaxSizePolicy.PER_NODE).setSize(maxEntries)));
        return hz;
    }
}
