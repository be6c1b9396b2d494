package io.ringroute.bench.peers;

import com.sun.tools.attach.VirtualMachine;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Reads a child JVM's heap after a full GC and one map's {@code LocalMapStats} (Hazelcast's map MBean, registered
 * because every child runs with {@code -Dhazelcast.jmx=true}), through the local attach mechanism: a JMX agent
 * reachable only by this user on this machine, no port and no password to configure.
 */
final class HazelcastMemoryProbe {

    /** What one member holds. */
    record Sample(long heapUsed, long ownedEntries, long ownedCost, long backupEntries, long backupCost) {

        Sample plus(Sample o) {
            return new Sample(heapUsed + o.heapUsed, ownedEntries + o.ownedEntries, ownedCost + o.ownedCost,
                    backupEntries + o.backupEntries, backupCost + o.backupCost);
        }
    }

    private static final Sample ZERO = new Sample(0, 0, 0, 0, 0);

    private HazelcastMemoryProbe() {
    }

    /** The sum over those processes that are alive. */
    static Sample sum(List<Process> processes, String mapName) throws Exception {
        Sample sum = ZERO;
        for (Process p : processes) {
            if (p.isAlive()) {
                sum = sum.plus(sample(p, mapName));
            }
        }
        return sum;
    }

    static Sample sample(Process p, String mapName) throws Exception {
        String address;
        VirtualMachine vm = VirtualMachine.attach(Long.toString(p.pid()));
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        try (JMXConnector jmx = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection server = jmx.getMBeanServerConnection();
            MemoryMXBean memory = ManagementFactory.newPlatformMXBeanProxy(server,
                    ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
            memory.gc();
            memory.gc();
            long heap = memory.getHeapMemoryUsage().getUsed();
            for (ObjectName name : server.queryNames(new ObjectName("com.hazelcast:type=IMap,*"), null)) {
                if (ObjectName.unquote(quoted(name.getKeyProperty("name"))).equals(mapName)) {
                    return new Sample(heap, attribute(server, name, "localOwnedEntryCount"),
                            attribute(server, name, "localOwnedEntryMemoryCost"),
                            attribute(server, name, "localBackupEntryCount"),
                            attribute(server, name, "localBackupEntryMemoryCost"));
                }
            }
            return new Sample(heap, 0, 0, 0, 0);
        }
    }

    private static String quoted(String value) {
        return value.startsWith("\"") ? value : ObjectName.quote(value);
    }

    private static long attribute(MBeanServerConnection server, ObjectName name, String attribute) throws Exception {
        return ((Number) server.getAttribute(name, attribute)).longValue();
    }
}
