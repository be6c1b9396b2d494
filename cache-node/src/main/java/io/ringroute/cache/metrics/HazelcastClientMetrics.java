package io.ringroute.cache.metrics;

import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Reads a metric of a Hazelcast client instance from the JMX beans Hazelcast publishes for it
 * ({@code com.hazelcast:type=Metrics,instance=<name>,prefix=<prefix>}; on by default, see
 * {@code hazelcast.client.metrics.enabled} and {@code hazelcast.client.metrics.jmx.enabled}). JMX is the only public
 * way to read them: the metrics registry behind the beans is internal. Values are as old as the client's metrics
 * collection interval ({@code hazelcast.client.metrics.collection.frequency}, 5 s by default).
 */
final class HazelcastClientMetrics {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    /** The metric's last collected value, or NaN (no such client, metrics or JMX off, not collected yet). */
    double read(String instanceName, String prefix, String attribute) {
        if (instanceName == null) {
            return Double.NaN;
        }
        try {
            ObjectName name = new ObjectName("com.hazelcast:type=Metrics,instance=" + value(instanceName)
                    + ",prefix=" + prefix);
            Object value = server.getAttribute(name, attribute);
            return value instanceof Number n ? n.doubleValue() : Double.NaN;
        } catch (JMException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** As Hazelcast writes a property value: quoted only when it holds a character ObjectName reserves. */
    private static String value(String raw) {
        return raw.chars().anyMatch(c -> ",=:\"*?\n".indexOf(c) >= 0) ? ObjectName.quote(raw) : raw;
    }
}
