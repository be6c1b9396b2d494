package io.ringroute.bench.harness;

import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import net.spy.memcached.MemcachedNode;

/**
 * Offline {@link MemcachedNode}s for spymemcached's {@code KetamaNodeLocator}. The locator reads only a node's
 * socket address (to name its points, "10.0.0.7:11211" as a real client would) and compares nodes by identity, so a
 * proxy that answers {@code getSocketAddress()} and nothing else lets the real locator run without a connection.
 */
public final class KetamaNodes {

    private KetamaNodes() {
    }

    /** The address a node with this join index gets: 10.0.x.y:11211 for index x * 256 + y (up to 65535). */
    public static InetSocketAddress address(int index) {
        if (index < 0 || index > 0xFFFF) {
            throw new HarnessException("ketama node index must be in 0..65535, was " + index);
        }
        try {
            // getByAddress makes no DNS query.
            return new InetSocketAddress(
                    InetAddress.getByAddress(new byte[] {10, 0, (byte) (index >>> 8), (byte) index}), 11211);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4-byte address is always valid", e);
        }
    }

    /** A node that knows only its address; any other call fails loudly. */
    public static MemcachedNode node(InetSocketAddress address) {
        return (MemcachedNode) Proxy.newProxyInstance(MemcachedNode.class.getClassLoader(),
                new Class<?>[] {MemcachedNode.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getSocketAddress":
                            return address;
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        case "toString":
                            return "offline memcached node " + address;
                        default:
                            throw new UnsupportedOperationException(method.getName()
                                    + " on an offline node used only for key placement");
                    }
                });
    }
}
