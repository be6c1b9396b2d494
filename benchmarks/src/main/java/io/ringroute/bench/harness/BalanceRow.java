package io.ringroute.bench.harness;

import java.util.List;

/**
 * One scheme's load spread over n equal nodes.
 *
 * @param nodes          n
 * @param scheme         the scheme's name
 * @param ids            the node ids, in join order
 * @param sampledShares  each node's share of the sampled keys, same order
 * @param exactShares    each node's exact share (ring only), same order; empty otherwise
 * @param sampled        spread of the sampled shares (includes sampling noise of about sqrt(n / keys))
 * @param exact          spread of the exact shares, or {@link ShareStats#NONE}
 * @param estimatedBytes estimated retained size of the scheme's lookup structure, -1 when not estimated
 */
public record BalanceRow(int nodes, String scheme, List<String> ids, double[] sampledShares, double[] exactShares,
                         ShareStats sampled, ShareStats exact, long estimatedBytes) {
}
