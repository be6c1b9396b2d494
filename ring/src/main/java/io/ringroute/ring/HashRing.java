package io.ringroute.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An immutable consistent-hash ring: nodes placed on a 64-bit token circle, keys mapped to the first token at or
 * clockwise after their own token ({@link KeyHash}).
 *
 * <p>Lookups read primitive arrays: {@link #primary} reads the cell of the key's token in an index on the tokens' top
 * bits ({@link TokenIndex}), which holds the key's precomputed replica row outright unless a token falls inside that
 * bucket (then the token's bits kept in the cell pick a neighbouring cell, or a crowded bucket's few tokens are
 * scanned); it allocates nothing and takes no lock. Replica lists up to
 * {@link Builder#maxReplicas(int)} are precomputed per token, so {@link #replicas} is that lookup plus an array view,
 * and {@link #replicaPositionsForToken} a copy of three ints. Changes ({@link #withNode}, {@link #withoutNode},
 * {@link #withWeight}) return new rings; swap them with {@link LiveRing}.
 */
public final class HashRing {

    /** Default virtual nodes per unit of weight: relative spread of shares about 1/sqrt(256) = 6%. */
    public static final int DEFAULT_VNODES = 256;
    /** Default length of the precomputed replica lists. */
    public static final int DEFAULT_MAX_REPLICAS = 3;

    private final TokenPlacement placement;
    private final int maxReplicas;
    private final Node[] nodes;                 // in Node.ID_ORDER
    private final Map<String, Integer> indexById;
    private final long[] tokens;                // sorted ascending (signed)
    private final int[] owners;                 // owners[i] = index in nodes of the node at tokens[i]
    private final int prefWidth;                // min(maxReplicas, nodes.length)
    private final int[] preferences;            // prefWidth node indices per token, primary first
    private final double[] ownedFraction;       // per node, from arc lengths
    private final TokenIndex index;             // token -> arc position and replica row; null for an empty ring

    private HashRing(TokenPlacement placement, int maxReplicas, List<Node> nodeList) {
        this(null, placement, maxReplicas, nodeList);
    }

    /** A ring over these nodes; when {@code previous} is given, rebuilt from its arrays where that is cheaper. */
    private HashRing(HashRing previous, TokenPlacement placement, int maxReplicas, List<Node> nodeList) {
        // a layout is fitted to the nodes in the order given, so that nodes join it in that order
        this.placement = placement instanceof AllocatedPlacement a ? a.fittedTo(nodeList) : placement;
        this.maxReplicas = maxReplicas;
        List<Node> sorted = new ArrayList<>(nodeList);
        sorted.sort((a, b) -> Node.ID_ORDER.compare(a.id(), b.id()));
        this.nodes = sorted.toArray(new Node[0]);
        Map<String, Integer> byId = new HashMap<>();
        for (int i = 0; i < nodes.length; i++) {
            if (byId.put(nodes[i].id(), i) != null) {
                throw new IllegalArgumentException("duplicate node id '" + nodes[i].id() + "'");
            }
        }
        this.indexById = Collections.unmodifiableMap(byId);

        long[][] placed = nodes.length == 0 ? new long[0][] : this.placement.place(Collections.unmodifiableList(sorted));
        if (placed.length != nodes.length) {
            throw new IllegalStateException(placement + " returned tokens for " + placed.length + " of "
                    + nodes.length + " nodes");
        }
        this.prefWidth = Math.min(maxReplicas, nodes.length);
        RingRebuild rebuilt = previous == null ? null : RingRebuild.of(previous.nodes, previous.tokens,
                previous.owners, previous.preferences, previous.prefWidth, nodes, placed, prefWidth);
        if (rebuilt != null) {
            this.tokens = rebuilt.tokens;
            this.owners = rebuilt.owners;
            this.preferences = rebuilt.preferences;
        } else {
            this.tokens = sortedTokens(placement, placed);
            this.owners = new int[tokens.length];
            for (int n = 0; n < placed.length; n++) {
                for (long t : placed[n]) {
                    owners[Arrays.binarySearch(tokens, t)] = n;
                }
            }
            this.preferences = new int[tokens.length * prefWidth];
            PreferenceWalk walk = new PreferenceWalk(nodes, owners);
            for (int i = 0; i < tokens.length; i++) {
                walk.fill(i, prefWidth, preferences, i * prefWidth);
            }
        }
        int total = tokens.length;
        this.ownedFraction = new double[nodes.length];
        for (int i = 0; i < total; i++) {
            ownedFraction[owners[i]] += total == 1 ? 1.0
                    : TokenRange.unsignedToDouble(tokens[i] - tokens[i == 0 ? total - 1 : i - 1]) / 0x1p64;
        }
        this.index = total == 0 ? null : new TokenIndex(tokens, preferences, prefWidth, nodes.length);
    }

    private static long[] sortedTokens(TokenPlacement placement, long[][] placed) {
        int total = 0;
        for (long[] t : placed) {
            total += t.length;
        }
        long[] tokens = new long[total];
        int k = 0;
        for (long[] t : placed) {
            System.arraycopy(t, 0, tokens, k, t.length);
            k += t.length;
        }
        Arrays.sort(tokens);
        for (int i = 1; i < total; i++) {
            if (tokens[i] == tokens[i - 1]) {
                throw new IllegalStateException(placement + " gave token " + tokens[i] + " to two vnodes");
            }
        }
        return tokens;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A ring over the given nodes with the default placement ({@value #DEFAULT_VNODES} vnodes per node). */
    public static HashRing of(Collection<Node> nodes) {
        return builder().nodes(nodes).build();
    }

    // ---- lookups -------------------------------------------------------------------------------------------

    /** The node that owns a string key. Allocates nothing for ASCII keys. */
    public Node primary(String key) {
        return primaryForToken(KeyHash.token(key));
    }

    public Node primary(byte[] key) {
        return primaryForToken(KeyHash.token(key));
    }

    public Node primary(long key) {
        return primaryForToken(KeyHash.token(key));
    }

    /** The node that owns a token: the first node token at or clockwise after it. */
    public Node primaryForToken(long token) {
        TokenIndex i = index();
        return nodes[i.position(i.find(token), 0)];
    }

    /**
     * The first {@code r} distinct physical nodes clockwise from the key, primary first. Zone-aware: nodes in zones
     * not yet used come first; when there are fewer zones than {@code r}, the remaining places go to the other
     * nodes in clockwise order. When {@code r} is at least the number of nodes, all nodes are returned, in that
     * preference order. Lists up to {@link Builder#maxReplicas(int)} are precomputed; longer ones walk the ring.
     *
     * @throws IllegalArgumentException if {@code r < 1}
     */
    public ReplicaSet replicas(String key, int r) {
        return replicasForToken(KeyHash.token(key), r);
    }

    public ReplicaSet replicas(byte[] key, int r) {
        return replicasForToken(KeyHash.token(key), r);
    }

    public ReplicaSet replicas(long key, int r) {
        return replicasForToken(KeyHash.token(key), r);
    }

    public ReplicaSet replicasForToken(long token, int r) {
        if (r < 1) {
            throw new IllegalArgumentException("replica count r must be >= 1, was " + r);
        }
        int i = tokenIndex(token);
        int size = Math.min(r, nodes.length);
        if (size <= prefWidth) {
            return new ReplicaSet(nodes, preferences, i * prefWidth, size);
        }
        int[] list = new int[size];
        new PreferenceWalk(nodes, owners).fill(i, size, list, 0);
        return new ReplicaSet(nodes, list, 0, size);
    }

    /**
     * Allocation-free form of {@link #replicasForToken(long, int)} for hot paths: writes the replicas into
     * {@code out}, primary first, and returns how many were written ({@code min(r, size())}). Allocates nothing when
     * that count is at most {@link Builder#maxReplicas(int)}.
     *
     * @throws IllegalArgumentException if {@code r < 1} or {@code out} is shorter than the count
     */
    public int replicasForToken(long token, int r, Node[] out) {
        if (r >= 1 && r <= prefWidth && out != null && out.length >= r) {
            // the precomputed rows, every argument check in one test, as in replicaPositionsForToken; one store
            // site in a loop, not one per count: with each store's GC barrier, straight-line stores compiled past
            // C2's InlineSmallCode and callers stopped inlining this (benchmarks/README.md, run 11)
            TokenIndex i = index();
            int row = i.find(token);
            for (int k = r - 1; k >= 0; k--) {
                out[k] = nodes[i.position(row, k)];
            }
            return r;
        }
        return replicasBeyondRows(token, r, out);
    }

    /**
     * {@link #replicasForToken(long, int, Node[])} when the fast path's one test fails: the argument checks, and
     * counts above the precomputed rows. Its own method, so that the fast path's compiled code stays small enough
     * for callers to inline (C2 does not inline a callee already compiled to more than {@code InlineSmallCode}).
     */
    private int replicasBeyondRows(long token, int r, Node[] out) {
        if (r < 1) {
            throw new IllegalArgumentException("replica count r must be >= 1, was " + r);
        }
        int size = Math.min(r, nodes.length);
        if (out == null || out.length < size) {
            throw new IllegalArgumentException("output array holds " + (out == null ? "null" : out.length)
                    + " nodes, needs " + size);
        }
        if (size > prefWidth) {
            ReplicaSet walked = replicasForToken(token, size);
            for (int k = 0; k < size; k++) {
                out[k] = walked.get(k);
            }
            return size;
        }
        index();                                    // an empty ring has no rows: it says so
        return replicasForToken(token, size, out);  // r above the node count: every node, from the rows
    }

    /**
     * The replicas as positions in {@link #nodes()}: writes the positions of the first {@code min(r, size())}
     * replicas of the token into {@code out}, primary first, in {@link #replicasForToken(long, int)} order, and returns
     * that count. For hot paths that keep their per-node values in an array by position (as {@link ReplicaTable}
     * does): it copies {@code int}s from the token's precomputed row, so it allocates nothing and, unlike storing
     * {@code Node} references into a long-lived array, pays no garbage-collector write barrier. Allocates only when
     * the count exceeds {@link Builder#maxReplicas(int)}.
     *
     * @throws IllegalArgumentException if {@code r < 1} or {@code out} is shorter than the count
     */
    public int replicaPositionsForToken(long token, int r, int[] out) {
        if (r >= 1 && r <= prefWidth && out != null && out.length >= r) {
            // the precomputed rows, every argument check in one test (r <= prefWidth <= size(), so the count is
            // r); the checks below name what was wrong
            index().copyRow(token, out, r);
            return r;
        }
        if (r < 1) {
            throw new IllegalArgumentException("replica count r must be >= 1, was " + r);
        }
        int size = Math.min(r, nodes.length);
        if (out == null || out.length < size) {
            throw new IllegalArgumentException("output array holds " + (out == null ? "null" : out.length)
                    + " positions, needs " + size);
        }
        if (size > prefWidth) {
            new PreferenceWalk(nodes, owners).fill(tokenIndex(token), size, out, 0);
        } else {
            index().copyRow(token, out, size);
        }
        return size;
    }

    /**
     * The position in {@link #nodes()} of the token's replica number {@code k} (0 = primary): the node
     * {@code replicasForToken(token, r).get(k)} for every {@code r > k}. Allocation-free for {@code k} below
     * {@link Builder#maxReplicas(int)}; for {@link ReplicaTable}.
     */
    int replicaPosition(long token, int k) {
        if (k < 0 || k >= nodes.length) {
            throw new IllegalArgumentException("replica number " + k + " out of 0.." + (nodes.length - 1));
        }
        if (k < prefWidth) {
            TokenIndex i = index();
            return i.position(i.find(token), k);
        }
        int[] list = new int[k + 1];
        new PreferenceWalk(nodes, owners).fill(tokenIndex(token), k + 1, list, 0);
        return list[k];
    }

    /** The position of the first token at or after {@code token}, wrapping to 0 ({@link TokenIndex}). */
    private int tokenIndex(long token) {
        return index().arcIndex(token);
    }

    private TokenIndex index() {
        TokenIndex i = index;
        if (i == null) {
            throw new IllegalStateException("the ring has no nodes: add a node before looking up keys");
        }
        return i;
    }

    // ---- structure -----------------------------------------------------------------------------------------

    /** The nodes, in {@link Node#ID_ORDER} of their ids. */
    public List<Node> nodes() {
        return List.of(nodes);
    }

    public int size() {
        return nodes.length;
    }

    public boolean isEmpty() {
        return nodes.length == 0;
    }

    public Optional<Node> node(String id) {
        Integer i = indexById.get(id);
        return i == null ? Optional.empty() : Optional.of(nodes[i]);
    }

    public boolean contains(String id) {
        return indexById.containsKey(id);
    }

    /** The layout of a ring built with {@link TokenPlacement#allocated}, holding exactly this ring's nodes. */
    public Optional<TokenLayout> layout() {
        return placement instanceof AllocatedPlacement a ? Optional.of(a.layout()) : Optional.empty();
    }

    public int maxReplicas() {
        return maxReplicas;
    }

    /** The number of tokens (virtual nodes) on the ring. */
    public int tokenCount() {
        return tokens.length;
    }

    /**
     * The bytes this ring's arrays retain, estimated from their lengths (16-byte array headers, 8-byte alignment,
     * compressed references): tokens, owners, the precomputed replica lists, the lookup index (its cells and packed
     * rows), the owned fractions and the node array. The {@code Node} objects and the id map are not counted. For
     * capacity planning; ring/README.md, "Memory and lookups", breaks it down.
     */
    public long retainedBytes() {
        return arrayBytes(tokens.length, Long.BYTES) + arrayBytes(owners.length, Integer.BYTES)
                + arrayBytes(preferences.length, Integer.BYTES) + arrayBytes(ownedFraction.length, Double.BYTES)
                + arrayBytes(nodes.length, Integer.BYTES) + (index == null ? 0 : index.retainedBytes());
    }

    /** An array of {@code length} elements of {@code elementBytes} each, header and alignment included. */
    static long arrayBytes(long length, int elementBytes) {
        return (16 + length * elementBytes + 7) & ~7L;
    }

    /** The tokens in ring order (a copy). */
    public long[] tokens() {
        return tokens.clone();
    }

    /** Every arc of the ring with its owner, in token order; the first arc wraps around. */
    public List<OwnedRange> ranges() {
        List<OwnedRange> out = new ArrayList<>(tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            out.add(new OwnedRange(arc(i), nodes[owners[i]]));
        }
        return Collections.unmodifiableList(out);
    }

    /** The arcs a node owns as primary, in token order. */
    public List<TokenRange> rangesOf(String id) {
        int n = requireIndex(id);
        List<TokenRange> out = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            if (owners[i] == n) {
                out.add(arc(i));
            }
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The exact share of the token circle each node owns as primary, summed from arc lengths (not sampled), keyed by
     * node id in {@link Node#ID_ORDER}. The shares add up to 1.
     */
    public Map<String, Double> ownership() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int n = 0; n < nodes.length; n++) {
            out.put(nodes[n].id(), ownedFraction[n]);
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * The exact share of the circle each node holds a replica of, with {@code r} replicas per key (the arcs whose
     * first {@code r} replicas include it), keyed by node id in {@link Node#ID_ORDER}; the shares add up to
     * {@code min(r, size())}. {@code ownership(1)} equals {@link #ownership()}.
     */
    public Map<String, Double> ownership(int r) {
        if (r < 1) {
            throw new IllegalArgumentException("replica count r must be >= 1, was " + r);
        }
        int width = Math.min(r, nodes.length);
        double[] share = new double[nodes.length];
        int[] list = new int[width];
        PreferenceWalk walk = width > prefWidth ? new PreferenceWalk(nodes, owners) : null;
        for (int i = 0; i < tokens.length; i++) {
            double f = arc(i).fraction();
            if (walk != null) {
                walk.fill(i, width, list, 0);
            }
            for (int k = 0; k < width; k++) {
                share[walk != null ? list[k] : preferences[i * prefWidth + k]] += f;
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (int n = 0; n < nodes.length; n++) {
            out.put(nodes[n].id(), share[n]);
        }
        return Collections.unmodifiableMap(out);
    }

    /** The exact share of the circle a node owns as primary. */
    public double ownership(String id) {
        return ownedFraction[requireIndex(id)];
    }

    /** The arc ending at token index i: (previous token, tokens[i]]. */
    TokenRange arc(int i) {
        long prev = tokens[(i == 0 ? tokens.length : i) - 1];
        return new TokenRange(prev, tokens[i]);
    }

    // ---- changes -------------------------------------------------------------------------------------------

    /** This ring plus a node. */
    public HashRing withNode(Node node) {
        if (node == null) {
            throw new IllegalArgumentException("node must not be null");
        }
        if (contains(node.id())) {
            throw new IllegalArgumentException("duplicate node id '" + node.id() + "': the ring already has it");
        }
        List<Node> next = new ArrayList<>(Arrays.asList(nodes));
        next.add(node);
        return new HashRing(this, placement, maxReplicas, next);
    }

    /** This ring without a node. */
    public HashRing withoutNode(String id) {
        int n = requireIndex(id);
        List<Node> next = new ArrayList<>(Arrays.asList(nodes));
        next.remove(n);
        return new HashRing(this, placement, maxReplicas, next);
    }

    /** This ring with one node's weight changed. */
    public HashRing withWeight(String id, double weight) {
        int n = requireIndex(id);
        List<Node> next = new ArrayList<>(Arrays.asList(nodes));
        next.set(n, nodes[n].withWeight(weight));
        return new HashRing(this, placement, maxReplicas, next);
    }

    /** This ring with one node replaced by another of the same id (new weight, zone or attributes). */
    public HashRing withNodeReplaced(Node node) {
        int n = requireIndex(node.id());
        List<Node> next = new ArrayList<>(Arrays.asList(nodes));
        next.set(n, node);
        return new HashRing(this, placement, maxReplicas, next);
    }

    private int requireIndex(String id) {
        Integer n = indexById.get(id);
        if (n == null) {
            throw new IllegalArgumentException("no node '" + id + "' in the ring (nodes: "
                    + Arrays.stream(nodes).map(Node::id).collect(Collectors.joining(", ")) + ")");
        }
        return n;
    }

    /** Same nodes and same placement, hence the same tokens and owners. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof HashRing)) {
            return false;
        }
        HashRing other = (HashRing) o;
        return Arrays.equals(nodes, other.nodes) && Arrays.equals(tokens, other.tokens)
                && Arrays.equals(owners, other.owners) && maxReplicas == other.maxReplicas;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tokens) * 31 + Arrays.hashCode(nodes);
    }

    @Override
    public String toString() {
        return "HashRing{" + nodes.length + " nodes, " + tokens.length + " tokens, " + placement + "}";
    }

    /** Builds a {@link HashRing}; setters check their arguments and name the bad value. */
    public static final class Builder {
        private final List<Node> nodes = new ArrayList<>();
        private TokenPlacement placement;
        private Integer vnodes;
        private int maxReplicas = DEFAULT_MAX_REPLICAS;
        private boolean fromLayout;

        private Builder() {
        }

        public Builder node(Node node) {
            if (node == null) {
                throw new IllegalArgumentException("node must not be null");
            }
            nodes.add(node);
            return this;
        }

        public Builder nodes(Collection<Node> list) {
            if (list == null) {
                throw new IllegalArgumentException("node list must not be null");
            }
            list.forEach(this::node);
            return this;
        }

        /** Virtual nodes per unit of weight for the default placement (default {@value HashRing#DEFAULT_VNODES}). */
        public Builder vnodesPerNode(int vnodesPerNode) {
            if (vnodesPerNode < 1) {
                throw new IllegalArgumentException("vnodesPerNode must be >= 1, was " + vnodesPerNode);
            }
            if (placement != null) {
                throw new IllegalStateException("placement was already set to " + placement);
            }
            this.vnodes = vnodesPerNode;
            return this;
        }

        /**
         * Balanced allocation from a layout ({@link TokenPlacement#allocated}); when no node is given, the ring's
         * nodes are the layout's.
         */
        public Builder layout(TokenLayout layout) {
            if (layout == null) {
                throw new IllegalArgumentException("layout must not be null");
            }
            placement(TokenPlacement.allocated(layout));
            if (nodes.isEmpty()) {
                fromLayout = true;
            }
            return this;
        }

        public Builder placement(TokenPlacement placement) {
            if (placement == null) {
                throw new IllegalArgumentException("placement must not be null");
            }
            if (vnodes != null) {
                throw new IllegalStateException("vnodesPerNode was already set to " + vnodes);
            }
            this.placement = placement;
            return this;
        }

        /** How many replicas per token to precompute (default {@value HashRing#DEFAULT_MAX_REPLICAS}). */
        public Builder maxReplicas(int maxReplicas) {
            if (maxReplicas < 1) {
                throw new IllegalArgumentException("maxReplicas must be >= 1, was " + maxReplicas);
            }
            this.maxReplicas = maxReplicas;
            return this;
        }

        public HashRing build() {
            TokenPlacement p = placement != null ? placement
                    : TokenPlacement.vnodes(vnodes != null ? vnodes : DEFAULT_VNODES);
            List<Node> list = fromLayout && nodes.isEmpty() ? ((AllocatedPlacement) p).layout().nodes() : nodes;
            return new HashRing(p, maxReplicas, list);
        }
    }
}
