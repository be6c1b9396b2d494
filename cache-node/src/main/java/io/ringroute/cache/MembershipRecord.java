package io.ringroute.cache;

import io.ringroute.cache.wire.Versioned;
import io.ringroute.ring.HashRing;
import io.ringroute.ring.Node;
import io.ringroute.ring.TokenLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * One version of the shared membership every client process follows: an epoch, the nodes reads go to, and during
 * a change the nodes of the other ring that writes go to as well; with balanced allocation, each ring's token
 * layout too, so every process builds the identical ring.
 *
 * <p>A change moves through three records, each with a higher epoch: {@code PREPARE} (read the old ring, write both),
 * {@code COMMIT} (read the new ring, write both) and {@code STEADY} (read and write the new ring). Two processes one
 * record apart always write to the replicas the other reads, so none of them reads a replica the others stopped
 * writing. Stored on the nodes as UTF-8 text, one line per node (a layout as one line of base64 of its text),
 * versioned by its epoch ({@link Versioned}).
 *
 * @param epoch        increases with every record; the highest wins
 * @param stage        where a change is
 * @param nodes        the nodes of the ring reads follow
 * @param others       during PREPARE the next ring's nodes, during COMMIT the previous ring's; empty when STEADY
 * @param layout       the token layout of {@code nodes}' ring, or empty for random vnodes
 * @param othersLayout the token layout of {@code others}' ring, or empty
 */
record MembershipRecord(long epoch, Stage stage, List<Node> nodes, List<Node> others, Optional<TokenLayout> layout,
                        Optional<TokenLayout> othersLayout) {

    /** The steps of a change, in order. */
    enum Stage {
        PREPARE,
        COMMIT,
        STEADY
    }

    MembershipRecord {
        nodes = List.copyOf(nodes);
        others = List.copyOf(others);
    }

    /** The record of a ring reads follow and, during a change, the other ring writes go to (null when STEADY). */
    static MembershipRecord of(long epoch, Stage stage, HashRing reads, HashRing others) {
        return new MembershipRecord(epoch, stage, reads.nodes(), others == null ? List.of() : others.nodes(),
                reads.layout(), others == null ? Optional.empty() : others.layout());
    }

    /** The ring reads follow: the layout's tokens, or {@code vnodes} random ones per unit of weight. */
    HashRing ring(int vnodes, int maxReplicas) {
        return ringOf(nodes, layout, vnodes, maxReplicas);
    }

    /** The other ring writes go to during a change. */
    HashRing othersRing(int vnodes, int maxReplicas) {
        return ringOf(others, othersLayout, vnodes, maxReplicas);
    }

    private static HashRing ringOf(List<Node> nodes, Optional<TokenLayout> layout, int vnodes, int maxReplicas) {
        HashRing.Builder b = HashRing.builder().maxReplicas(maxReplicas).nodes(nodes);
        return (layout.isPresent() ? b.layout(layout.get()) : b.vnodesPerNode(vnodes)).build();
    }

    byte[] encode() {
        StringBuilder out = new StringBuilder().append(epoch).append('\t').append(stage).append('\n');
        nodes.forEach(n -> line(out, "node", n));
        others.forEach(n -> line(out, "other", n));
        layout.ifPresent(l -> layoutLine(out, "layout", l));
        othersLayout.ifPresent(l -> layoutLine(out, "other-layout", l));
        return Versioned.value(epoch, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void line(StringBuilder out, String kind, Node n) {
        out.append(kind).append('\t').append(n.id()).append('\t').append(n.attribute(CacheCluster.ADDRESS).orElseThrow())
                .append('\t').append(n.weight()).append('\t').append(n.zone().orElse("")).append('\n');
    }

    private static void layoutLine(StringBuilder out, String kind, TokenLayout l) {
        out.append(kind).append('\t').append(Base64.getEncoder().encodeToString(l.toText()
                .getBytes(StandardCharsets.UTF_8))).append('\n');
    }

    /**
     * The record stored on a node.
     *
     * @throws IllegalArgumentException naming what is wrong, for bytes that are not a record
     */
    static MembershipRecord decode(byte[] stored) {
        String[] lines = new String(Versioned.payload(stored), StandardCharsets.UTF_8).split("\n");
        String[] head = lines[0].split("\t");
        if (head.length != 2) {
            throw new IllegalArgumentException("membership record starts with \"" + lines[0] + "\", not epoch and stage");
        }
        List<Node> nodes = new ArrayList<>();
        List<Node> others = new ArrayList<>();
        Optional<TokenLayout> layout = Optional.empty();
        Optional<TokenLayout> othersLayout = Optional.empty();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split("\t", -1);
            if (f.length == 2 && f[0].equals("layout")) {
                layout = Optional.of(layoutOf(f[1], i));
                continue;
            }
            if (f.length == 2 && f[0].equals("other-layout")) {
                othersLayout = Optional.of(layoutOf(f[1], i));
                continue;
            }
            if (f.length != 5 || !(f[0].equals("node") || f[0].equals("other"))) {
                throw new IllegalArgumentException("membership record line " + i + " is not a node: " + lines[i]);
            }
            Node n = CacheCluster.nodeOf(f[1], f[2], Double.parseDouble(f[3]), f[4].isEmpty() ? null : f[4]);
            (f[0].equals("node") ? nodes : others).add(n);
        }
        return new MembershipRecord(Long.parseLong(head[0]), Stage.valueOf(head[1]), nodes, others, layout,
                othersLayout);
    }

    private static TokenLayout layoutOf(String base64, int line) {
        try {
            return TokenLayout.parse(new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("membership record line " + line + " holds a bad token layout: "
                    + e.getMessage(), e);
        }
    }
}
