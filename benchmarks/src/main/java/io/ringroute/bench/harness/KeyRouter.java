package io.ringroute.bench.harness;

import java.util.Map;
import java.util.OptionalDouble;

/**
 * A key-placement scheme at one membership: what the harness measures. Implementations wrap the real libraries.
 */
public interface KeyRouter {

    /**
     * The id of the node that owns a key.
     *
     * @param key   the key as given
     * @param token its ring token, {@code KeyHash.token(key)}: schemes that take a 64-bit hash use it, so all
     *              compare on the same key hash (ketama hashes the key string itself, as spymemcached does)
     */
    String owner(String key, long token);

    /**
     * Writes the ids of the key's first {@code r} distinct replicas, primary first, into {@code out}; only for
     * schemes whose {@link Scheme#replicated()} is true.
     *
     * @return how many were written (fewer than r when there are fewer nodes)
     */
    default int replicas(String key, long token, int r, String[] out) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no replica sets");
    }

    /** The same scheme after a membership change, changed the way the scheme itself supports. */
    KeyRouter with(Membership next);

    /** The exact share of keys whose replica set of size r changes going to {@code after}, when the scheme knows. */
    default OptionalDouble exactMovedFraction(KeyRouter after, int r) {
        return OptionalDouble.empty();
    }

    /** Each node's exact share of the key space, when the scheme can compute it; empty otherwise. */
    default Map<String, Double> exactShares() {
        return Map.of();
    }

    /** An estimate of the bytes the scheme's lookup structure retains, or -1 when not estimated. */
    long estimatedBytes();
}
