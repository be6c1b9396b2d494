package io.ringroute.ring;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A token range whose replica set (for a replication factor r) changes between two rings.
 *
 * @param range  the tokens concerned
 * @param before the replicas before, primary first
 * @param after  the replicas after, primary first
 */
public record ReplicaChange(TokenRange range, List<Node> before, List<Node> after) {

    public ReplicaChange {
        before = List.copyOf(before);
        after = List.copyOf(after);
    }

    /** Node ids that hold a copy after but not before: they must receive the range's entries. */
    public Set<String> gained() {
        return difference(after, before);
    }

    /** Node ids that held a copy before but not after: they may drop the range's entries. */
    public Set<String> lost() {
        return difference(before, after);
    }

    private static Set<String> difference(List<Node> a, List<Node> b) {
        Set<String> out = new LinkedHashSet<>();
        for (Node n : a) {
            out.add(n.id());
        }
        for (Node n : b) {
            out.remove(n.id());
        }
        return out;
    }
}
