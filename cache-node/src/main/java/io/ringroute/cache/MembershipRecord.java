package io.ringroute.cache;

import io.ringroute.ring.Node;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One version of the shared membership every client process follows: an epoch, the nodes reads go to, and during
 * a change the nodes of the other ring that writes go to as well.
 *
 * <p>A change moves through three records, each with a higher epoch: {@code PREPARE} (read the old ring, write both),
 * {@code COMMIT} (read the new ring, write both) and {@code STEADY} (read and write the new ring). Two processes one
 * record apart always write to the replicas the other reads, so none of them reads a replica the others stopped
 * writing. Stored on the nodes as UTF-8 text, one line per node, versioned by its epoch ({@link Versioned}).
 *
 * @param epoch  increases with every record; the highest wins
 * @param stage  where a change is
 * @param nodes  the nodes of the ring reads follow
 * @param others during PREPARE the next ring's nodes, during COMMIT the previous ring's; empty when STEADY
 */
record MembershipRecord(long epoch, Stage stage, List<Node> nodes, List<Node> others) {

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

    byte[] encode() {
        StringBuilder out = new StringBuilder().append(epoch).append('\t').append(stage).append('\n');
        nodes.forEach(n -> line(out, "node", n));
        others.forEach(n -> line(out, "other", n));
        return Versioned.value(epoch, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void line(StringBuilder out, String kind, Node n) {
        out.append(kind).append('\t').append(n.id()).append('\t').append(n.attribute(CacheCluster.ADDRESS).orElseThrow())
                .append('\t').append(n.weight()).append('\t').append(n.zone().orElse("")).append('\n');
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
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split("\t", -1);
            if (f.length != 5 || !(f[0].equals("node") || f[0].equals("other"))) {
                throw new IllegalArgumentException("membership record line " + i + " is not a node: " + lines[i]);
            }
            Node n = CacheCluster.nodeOf(f[1], f[2], Double.parseDouble(f[3]), f[4].isEmpty() ? null : f[4]);
            (f[0].equals("node") ? nodes : others).add(n);
        }
        return new MembershipRecord(Long.parseLong(head[0]), Stage.valueOf(head[1]), nodes, others);
    }
}
