package io.ringroute.ring;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where every node's tokens sit, as data: the result of balanced allocation ({@link TokenPlacement#allocated}),
 * which depends on the order nodes joined, so it is computed once, versioned and shipped rather than re-derived.
 * Immutable. Every change returns a new layout with the next {@link #version()}; {@link #toText()} and
 * {@link #parse(String)} carry it between processes, and every process that loads the same text builds the same
 * ring. The allocation step is specified in ring/README.md ("Balanced allocation").
 *
 * <p>Adding a node only inserts its tokens, so keys move only to it; removing one only deletes its tokens, so keys
 * move only from it; {@link #rebalanced(int)} moves a few tokens of the most loaded nodes and keys move only to and
 * from those nodes.
 */
public final class TokenLayout {

    /** Default tokens per unit of weight: peak/mean about 1.03 for R = 1..3 at 3 to 1000 nodes (see README). */
    public static final int DEFAULT_TOKENS_PER_UNIT = 32;
    /** Default number of replicas whose ownership the allocator balances (r = 1 .. this). */
    public static final int DEFAULT_REPLICAS = 3;

    private final long version;
    private final int tokensPerUnit;
    private final int replicas;
    private final List<Node> nodes;       // join order; id, weight and zone only
    private final Map<String, Integer> indexById;
    private final long[][] tokens;        // per node, ascending

    TokenLayout(long version, int tokensPerUnit, int replicas, List<Node> nodes, long[][] tokens) {
        this.version = version;
        this.tokensPerUnit = tokensPerUnit;
        this.replicas = replicas;
        this.nodes = List.copyOf(nodes);
        this.tokens = tokens;
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < this.nodes.size(); i++) {
            index.put(this.nodes.get(i).id(), i);
        }
        this.indexById = index;
    }

    /** An empty layout with the default tokens per unit and replicas. */
    public static TokenLayout empty() {
        return empty(DEFAULT_TOKENS_PER_UNIT, DEFAULT_REPLICAS);
    }

    /**
     * An empty layout, version 0.
     *
     * @param tokensPerUnit tokens a node of weight 1 gets ({@code max(1, round(weight * tokensPerUnit))} in general)
     * @param replicas      the allocator balances the ownership of the first 1 .. replicas replicas of every key
     */
    public static TokenLayout empty(int tokensPerUnit, int replicas) {
        if (tokensPerUnit < 1) {
            throw new IllegalArgumentException("tokensPerUnit must be >= 1, was " + tokensPerUnit);
        }
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be >= 1, was " + replicas);
        }
        return new TokenLayout(0, tokensPerUnit, replicas, List.of(), new long[0][]);
    }

    /** Reads the text form of {@link #toText()}, checking its format and checksum. */
    public static TokenLayout parse(String text) {
        return LayoutText.parse(text);
    }

    // ---- reading -----------------------------------------------------------------------------------------------

    /** Starts at 0 for an empty layout and grows by one with every change. */
    public long version() {
        return version;
    }

    public int tokensPerUnit() {
        return tokensPerUnit;
    }

    public int replicas() {
        return replicas;
    }

    /** The nodes in the order they joined, with id, weight and zone (attributes are not part of a layout). */
    public List<Node> nodes() {
        return nodes;
    }

    public int size() {
        return nodes.size();
    }

    public boolean contains(String id) {
        return indexOf(id) >= 0;
    }

    /** A node's tokens, ascending (a copy). */
    public long[] tokens(String id) {
        return tokens[requireIndex(id)].clone();
    }

    public int tokenCount() {
        int n = 0;
        for (long[] t : tokens) {
            n += t.length;
        }
        return n;
    }

    /** The tokens a node of this weight gets: {@code max(1, round(weight * tokensPerUnit))}, halves rounded up. */
    public int tokenCountFor(double weight) {
        long n = Math.round(weight * tokensPerUnit);
        if (n > 1 << 20) {
            throw new IllegalArgumentException("weight " + weight + " would give " + n + " tokens at "
                    + tokensPerUnit + " per unit; lower the weight");
        }
        return (int) Math.max(1, n);
    }

    /**
     * SHA-256, in lower-case hex, of every token in ascending signed order, each written as its 8 bytes big-endian,
     * the owner id's UTF-8 bytes and a newline byte (0x0A). Two layouts with equal digests place every key alike.
     */
    public String tokenDigest() {
        TreeMap<Long, String> all = new TreeMap<>();
        for (int n = 0; n < nodes.size(); n++) {
            for (long t : tokens[n]) {
                all.put(t, nodes.get(n).id());
            }
        }
        MessageDigest sha = sha256();
        ByteBuffer b = ByteBuffer.allocate(8);
        for (Map.Entry<Long, String> e : all.entrySet()) {
            b.clear();
            sha.update(b.putLong(e.getKey()).array());
            sha.update(e.getValue().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The text form: a header, one line per node, a SHA-256 checksum line (format in ring/README.md). */
    public String toText() {
        return LayoutText.format(this);
    }

    long[][] tokenArrays() {
        return tokens;
    }

    // ---- changes -----------------------------------------------------------------------------------------------

    /** This layout plus a node, its tokens chosen by the allocation step, one at a time. */
    public TokenLayout withNode(Node node) {
        if (node == null) {
            throw new IllegalArgumentException("node must not be null");
        }
        if (contains(node.id())) {
            throw new IllegalArgumentException("duplicate node id '" + node.id() + "': layout version " + version
                    + " already has it");
        }
        TokenAllocator a = allocator();
        int n = a.addNode(node.id(), node.weight(), node.zoneOrNull());
        a.allocate(n, tokenCountFor(node.weight()));
        List<Node> next = new ArrayList<>(nodes);
        next.add(bare(node));
        return from(a, next);
    }

    /** This layout without a node: its tokens are deleted, every other token stays. */
    public TokenLayout withoutNode(String id) {
        int n = requireIndex(id);
        List<Node> next = new ArrayList<>(nodes);
        next.remove(n);
        List<long[]> t = new ArrayList<>(Arrays.asList(tokens));
        t.remove(n);
        return new TokenLayout(version + 1, tokensPerUnit, replicas, next, t.toArray(new long[0][]));
    }

    /**
     * This layout with a node's weight changed: a heavier node gets more tokens by allocation steps (keys move only
     * to it); a lighter one gives up the tokens whose removal leaves the lowest imbalance (keys move only from it).
     */
    public TokenLayout withWeight(String id, double weight) {
        int n = requireIndex(id);
        Node changed = nodes.get(n).withWeight(weight);
        TokenAllocator a = allocator();
        a.setWeight(n, weight);
        a.recompute();
        int want = tokenCountFor(weight);
        int have = tokens[n].length;
        if (want > have) {
            a.allocate(n, want - have);
        } else if (want < have) {
            a.release(n, have - want);
        }
        List<Node> next = new ArrayList<>(nodes);
        next.set(n, changed);
        return from(a, next);
    }

    /** This layout with a node's zone changed; its tokens stay where they are. */
    public TokenLayout withZone(String id, String zone) {
        int n = requireIndex(id);
        List<Node> next = new ArrayList<>(nodes);
        next.set(n, Node.builder(id).weight(nodes.get(n).weight()).zone(zone).build());
        return new TokenLayout(version + 1, tokensPerUnit, replicas, next, tokens);
    }

    /**
     * The restore step: up to {@code moves} times, moves one token of the most loaded node (by its largest
     * load / target over r = 1..replicas) to where an allocation step puts it, keeping the move only when it lowers
     * the imbalance. Removals leave their arcs to the next token clockwise, so the nodes after a removed node's
     * tokens run hot; this brings them back. Keys move only to and from the nodes whose tokens moved; the
     * {@link RebalancePlan} between the two rings lists them exactly. Returns this layout when nothing improved.
     */
    public TokenLayout rebalanced(int moves) {
        if (moves < 1) {
            throw new IllegalArgumentException("moves must be >= 1, was " + moves);
        }
        TokenAllocator a = allocator();
        boolean changed = false;
        for (int k = 0; k < moves && a.relocateHottest(); k++) {
            changed = true;
        }
        return changed ? from(a, nodes) : this;
    }

    /**
     * The layout for exactly these nodes: nodes not listed are removed, changed weights and zones are applied, and
     * nodes it lacks are added by allocation steps in the order given (so the result is the same in every process
     * that fits the same layout to the same list). Returns this layout when nothing differs.
     */
    public TokenLayout fittedTo(List<Node> wanted) {
        if (wanted == null) {
            throw new IllegalArgumentException("node list must not be null");
        }
        Set<String> ids = new HashSet<>();
        wanted.forEach(w -> ids.add(w.id()));
        TokenLayout out = this;
        for (Node current : nodes) {
            if (!ids.contains(current.id())) {
                out = out.withoutNode(current.id());
            }
        }
        for (Node w : wanted) {
            int i = out.indexOf(w.id());
            if (i < 0) {
                out = out.withNode(w);
                continue;
            }
            Node have = out.nodes.get(i);
            if (Double.compare(have.weight(), w.weight()) != 0) {
                out = out.withWeight(w.id(), w.weight());
            }
            if (!Objects.equals(have.zoneOrNull(), w.zoneOrNull())) {
                out = out.withZone(w.id(), w.zoneOrNull());
            }
        }
        return out;
    }

    private TokenAllocator allocator() {
        TokenAllocator a = new TokenAllocator(replicas);
        for (int n = 0; n < nodes.size(); n++) {
            Node node = nodes.get(n);
            a.addNode(node.id(), node.weight(), node.zoneOrNull());
        }
        a.load(tokens);
        return a;
    }

    private TokenLayout from(TokenAllocator a, List<Node> next) {
        long[][] t = new long[next.size()][];
        for (int n = 0; n < t.length; n++) {
            t[n] = a.tokensOf(n);
        }
        return new TokenLayout(version + 1, tokensPerUnit, replicas, next, t);
    }

    private static Node bare(Node node) {
        return Node.builder(node.id()).weight(node.weight()).zone(node.zoneOrNull()).build();
    }

    private int indexOf(String id) {
        Integer i = indexById.get(id);
        return i == null ? -1 : i;
    }

    private int requireIndex(String id) {
        int n = indexOf(id);
        if (n < 0) {
            throw new IllegalArgumentException("no node '" + id + "' in layout version " + version);
        }
        return n;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** Same version, parameters, nodes and tokens. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TokenLayout)) {
            return false;
        }
        TokenLayout other = (TokenLayout) o;
        return version == other.version && tokensPerUnit == other.tokensPerUnit && replicas == other.replicas
                && nodes.equals(other.nodes) && Arrays.deepEquals(tokens, other.tokens);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(version) * 31 + Arrays.deepHashCode(tokens);
    }

    @Override
    public String toString() {
        return "TokenLayout{version " + version + ", " + nodes.size() + " nodes, " + tokenCount() + " tokens, "
                + tokensPerUnit + " per unit, balanced for r <= " + replicas + "}";
    }
}
