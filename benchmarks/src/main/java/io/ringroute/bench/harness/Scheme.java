package io.ringroute.bench.harness;

import com.dynatrace.hash4j.consistent.ConsistentBucketHasher;
import com.dynatrace.hash4j.consistent.ConsistentHashing;
import com.dynatrace.hash4j.random.PseudoRandomGeneratorProvider;
import com.google.common.hash.Hashing;
import io.ringroute.ring.TokenLayout;
import io.ringroute.ring.TokenPlacement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * A key-placement algorithm the harness compares, with what it supports.
 *
 * @param name       how tables name it ("ring-v256", "jump")
 * @param weighted   whether nodes can have unequal weights
 * @param replicated whether it gives replica sets (r distinct nodes per key)
 * @param factory    builds the scheme at a first membership
 */
public record Scheme(String name, boolean weighted, boolean replicated, Function<Membership, KeyRouter> factory) {

    /**
     * The names {@code --schemes} accepts; "ring" stands for one random-vnode ring per {@code --vnodes} value,
     * "alloc" for one balanced-allocation ring per {@code --alloc-tokens} value.
     */
    public static final List<String> NAMES =
            List.of("modulo", "jump", "jumpback", "anchor", "rendezvous", "ketama", "ring", "alloc");

    public KeyRouter create(Membership membership) {
        return factory.apply(membership);
    }

    /** {@code hash mod n} (unsigned). */
    public static Scheme modulo() {
        return new Scheme("modulo", false, false,
                m -> new BucketRouter((hash, n) -> (int) Long.remainderUnsigned(hash, n), m));
    }

    /** Guava's {@link Hashing#consistentHash(long, int)}: Lamping and Veach's jump consistent hash. */
    public static Scheme jump() {
        return new Scheme("jump", false, false, m -> new BucketRouter(Hashing::consistentHash, m));
    }

    /** hash4j's JumpBackHash (Ertl 2024), a faster jump hash; one hasher per router, as it is not thread-safe. */
    public static Scheme jumpBack() {
        return new Scheme("jumpback", false, false, m -> {
            ConsistentBucketHasher hasher =
                    ConsistentHashing.jumpBackHash(PseudoRandomGeneratorProvider.splitMix64_V1());
            return new BucketRouter(hasher::getBucket, m);
        });
    }

    /** hash4j's JumpBackAnchorHash: a bucket set that removes any bucket consistently. */
    public static Scheme anchor() {
        return new Scheme("anchor", false, false, AnchorRouter::of);
    }

    public static Scheme rendezvous() {
        return new Scheme("rendezvous", true, true, RendezvousRouter::new);
    }

    public static Scheme ketama() {
        return new Scheme("ketama", true, false, KetamaRouter::new);
    }

    /** Our ring with {@code vnodes} tokens per unit weight, replica lists precomputed up to {@code maxReplicas}. */
    public static Scheme ring(int vnodes, int maxReplicas) {
        if (vnodes < 1) {
            throw new HarnessException("vnode counts must be >= 1, was " + vnodes);
        }
        return new Scheme("ring-v" + vnodes, true, true,
                m -> new RingRouter(TokenPlacement.vnodes(vnodes), maxReplicas, m));
    }

    /**
     * Our ring with balanced allocation ({@link TokenPlacement#allocated}) at {@code tokens} per unit weight,
     * balanced for r = 1..3; nodes join in membership order.
     */
    public static Scheme allocated(int tokens, int maxReplicas) {
        if (tokens < 1) {
            throw new HarnessException("--alloc-tokens values must be >= 1, was " + tokens);
        }
        return new Scheme("alloc-t" + tokens, true, true, m -> new RingRouter(
                TokenPlacement.allocated(TokenLayout.empty(tokens, TokenLayout.DEFAULT_REPLICAS)), maxReplicas, m));
    }

    /**
     * The schemes for a list of names (see {@link #NAMES}), in the order given, one ring per vnode count and one
     * allocated ring per token count.
     *
     * @throws HarnessException naming an unknown scheme or a vnode or token count below 1
     */
    public static List<Scheme> select(List<String> names, List<Integer> vnodes, List<Integer> allocTokens,
                                      int maxReplicas) {
        Set<String> wanted = new LinkedHashSet<>();
        for (String name : names) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (n.equals("all")) {
                wanted.addAll(NAMES);
            } else if (NAMES.contains(n)) {
                wanted.add(n);
            } else {
                throw new HarnessException("unknown scheme '" + name + "'; known: all, " + String.join(", ", NAMES));
            }
        }
        if (vnodes.isEmpty() && wanted.contains("ring")) {
            throw new HarnessException("give at least one vnode count for the ring");
        }
        if (allocTokens.isEmpty() && wanted.contains("alloc")) {
            throw new HarnessException("give at least one token count for the allocated ring");
        }
        List<Scheme> out = new ArrayList<>();
        for (String n : wanted) {
            switch (n) {
                case "modulo" -> out.add(modulo());
                case "jump" -> out.add(jump());
                case "jumpback" -> out.add(jumpBack());
                case "anchor" -> out.add(anchor());
                case "rendezvous" -> out.add(rendezvous());
                case "ketama" -> out.add(ketama());
                case "ring" -> vnodes.forEach(v -> out.add(ring(v, maxReplicas)));
                case "alloc" -> allocTokens.forEach(t -> out.add(allocated(t, maxReplicas)));
                default -> throw new IllegalStateException("NAMES and this switch disagree on " + n);
            }
        }
        return out;
    }
}
