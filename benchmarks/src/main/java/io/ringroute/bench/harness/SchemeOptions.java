package io.ringroute.bench.harness;

import java.util.List;
import picocli.CommandLine.Option;

/** Which algorithms to compare, and the ring's vnode counts. */
final class SchemeOptions {

    @Option(names = "--schemes", split = ",", paramLabel = "NAME", defaultValue = "all",
            description = "Schemes to compare: all, modulo, jump (Guava), jumpback (hash4j), anchor (hash4j "
                    + "JumpBackAnchorHash), rendezvous, ketama (spymemcached), ring (random vnodes), alloc (balanced "
                    + "allocation) (default: ${DEFAULT-VALUE}).")
    List<String> names;

    @Option(names = "--vnodes", split = ",", paramLabel = "V", defaultValue = "1,16,64,100,160,256,1000",
            description = "Vnode counts of the ring; one ring per value (default: ${DEFAULT-VALUE}).")
    List<Integer> vnodes;

    @Option(names = "--alloc-tokens", split = ",", paramLabel = "T", defaultValue = "8,16,32",
            description = "Tokens per unit weight of the balanced-allocation ring; one ring per value "
                    + "(default: ${DEFAULT-VALUE}).")
    List<Integer> allocTokens;

    List<Scheme> select(int maxReplicas) {
        for (int v : vnodes) {
            if (v < 1) {
                throw new HarnessException("--vnodes values must be >= 1, was " + v);
            }
        }
        return Scheme.select(names, vnodes, allocTokens, Math.max(maxReplicas, 1));
    }
}
