package io.ringroute.cache;

import io.ringroute.cache.wire.CoherenceSerializables;
import io.ringroute.cache.wire.WireFormat;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.ClientConnectionStrategyConfig;
import com.hazelcast.client.config.RoutingMode;
import io.ringroute.ring.Node;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Hazelcast client configuration of one node's link: that node only, the cluster name its secret derives,
 * bounded connect and call times, no reconnect loop (the node client's probe reconnects), our wire types and
 * Hazelcast's phone-home, shutdown hook and log details off.
 */
final class HazelcastClientConfig {

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private HazelcastClientConfig() {
    }

    static ClientConfig of(Node node, String address, ClientSettings settings) {
        ClientConfig cc = new ClientConfig();
        cc.setClusterName(settings.secret().clusterName(node.id()));
        CoherenceSerializables.register(cc.getSerializationConfig());
        cc.setInstanceName("ringroute-cache-" + node.id() + "-" + INSTANCES.incrementAndGet());
        cc.getNetworkConfig().addAddress(address)
                .setConnectionTimeout((int) settings.connectTimeout().toMillis());
        cc.getNetworkConfig().getClusterRoutingConfig().setRoutingMode(RoutingMode.SINGLE_MEMBER);
        cc.getNetworkConfig().getAutoDetectionConfig().setEnabled(false);
        ClientConnectionStrategyConfig strategy = cc.getConnectionStrategyConfig();
        strategy.setAsyncStart(false);
        // A lost connection shuts the client down at once, failing pending calls; our probe reconnects.
        strategy.setReconnectMode(ClientConnectionStrategyConfig.ReconnectMode.OFF);
        strategy.getConnectionRetryConfig()
                .setClusterConnectTimeoutMillis(settings.connectTimeout().toMillis())
                .setInitialBackoffMillis(100)
                .setMaxBackoffMillis(500);
        long callMillis = settings.callTimeout().toMillis();
        // Hazelcast has no per-call timeout for a call already sent (its invocation timeout only ends retries), and
        // its async calls cost twice the latency of sync ones here. So calls stay sync, and the heartbeat bounds
        // them: a member silent for the call timeout loses its connection, which fails every call waiting on it.
        cc.setProperty("hazelcast.client.invocation.timeout.seconds",
                Long.toString(Math.max(1, (callMillis + 999) / 1000)));
        cc.setProperty("hazelcast.client.invocation.retry.pause.millis", "100");
        cc.setProperty("hazelcast.client.heartbeat.interval", Long.toString(Math.max(100, callMillis / 4)));
        cc.setProperty("hazelcast.client.heartbeat.timeout", Long.toString(callMillis));
        cc.setProperty("hazelcast.client.shutdownhook.enabled", "false");
        cc.setProperty("hazelcast.phone.home.enabled", "false");
        cc.setProperty("hazelcast.logging.type", "slf4j");
        if (settings.secret().isSet()) {
            cc.setProperty("hazelcast.logging.details.enabled", "false"); // log lines would show the cluster name
        }
        settings.clientProperties().forEach(cc::setProperty);
        WireFormat.configure(cc.getSerializationConfig());
        return cc;
    }
}
