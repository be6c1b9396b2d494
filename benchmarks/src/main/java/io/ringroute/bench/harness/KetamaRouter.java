package io.ringroute.bench.harness;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.KetamaNodeLocator;
import net.spy.memcached.MemcachedNode;
import net.spy.memcached.util.DefaultKetamaNodeLocatorConfiguration;

/**
 * spymemcached's {@link KetamaNodeLocator} with {@link DefaultHashAlgorithm#KETAMA_HASH}: MD5 of the key string,
 * 160 points per node, a 32-bit circle, as libketama. Weighted members use the locator's weighted constructor, with
 * integer weights of round(100 x weight) (ketama weights are relative, so 100 keeps two decimals).
 */
final class KetamaRouter implements KeyRouter {

    private final KetamaNodeLocator locator;
    private final Map<MemcachedNode, String> idOf = new IdentityHashMap<>();
    private final int pointCount;

    KetamaRouter(Membership membership) {
        List<MemcachedNode> nodes = new ArrayList<>();
        Map<InetSocketAddress, Integer> weights = new HashMap<>();
        for (Member m : membership.members()) {
            InetSocketAddress address = KetamaNodes.address(m.index());
            MemcachedNode node = KetamaNodes.node(address);
            nodes.add(node);
            idOf.put(node, m.id());
            weights.put(address, (int) Math.max(1, Math.round(100 * m.weight())));
        }
        this.locator = membership.allWeightsOne()
                ? new KetamaNodeLocator(nodes, DefaultHashAlgorithm.KETAMA_HASH)
                : new KetamaNodeLocator(nodes, DefaultHashAlgorithm.KETAMA_HASH, weights,
                        new DefaultKetamaNodeLocatorConfiguration());
        this.pointCount = new DefaultKetamaNodeLocatorConfiguration().getNodeRepetitions() * nodes.size();
    }

    @Override
    public String owner(String key, long token) {
        return idOf.get(locator.getPrimary(key));
    }

    @Override
    public KeyRouter with(Membership next) {
        return new KetamaRouter(next);
    }

    /** A TreeMap of Long to node with 160 entries per node (equal weights). */
    @Override
    public long estimatedBytes() {
        return (long) pointCount * MemoryEstimate.TREE_MAP_ENTRY_WITH_LONG_KEY;
    }
}
