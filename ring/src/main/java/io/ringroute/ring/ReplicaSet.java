package io.ringroute.ring;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * The replicas of a key: distinct physical nodes, primary first, in preference order. An immutable view over the
 * ring's precomputed preference table.
 */
public final class ReplicaSet extends AbstractList<Node> implements RandomAccess {

    private final Node[] nodes;
    private final int[] table;
    private final int offset;
    private final int size;

    ReplicaSet(Node[] nodes, int[] table, int offset, int size) {
        this.nodes = nodes;
        this.table = table;
        this.offset = offset;
        this.size = size;
    }

    @Override
    public Node get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("replica index " + index + " out of 0.." + (size - 1));
        }
        return nodes[table[offset + index]];
    }

    /** The first replica: the key's owner. */
    public Node primary() {
        return nodes[table[offset]];
    }

    @Override
    public int size() {
        return size;
    }

    /** True when a node of that id is among the replicas. */
    public boolean containsId(String id) {
        for (int i = 0; i < size; i++) {
            if (nodes[table[offset + i]].id().equals(id)) {
                return true;
            }
        }
        return false;
    }
}
