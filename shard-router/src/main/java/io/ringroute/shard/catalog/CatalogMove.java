package io.ringroute.shard.catalog;

import io.ringroute.ring.Node;
import io.ringroute.ring.RangeMove;
import io.ringroute.ring.TokenRange;

/**
 * One moving token range of a resharding, as the catalog records it.
 *
 * @param index      position in the plan
 * @param range      the tokens that move
 * @param from       the shard that owned them
 * @param to         the shard that owns them after the move
 * @param state      how far the move got
 * @param rowsCopied rows copied so far (bulk and catch-up)
 */
public record CatalogMove(int index, TokenRange range, String from, String to, MoveState state, long rowsCopied) {

    RangeMove asRangeMove() {
        return new RangeMove(range, Node.of(from), Node.of(to));
    }
}
