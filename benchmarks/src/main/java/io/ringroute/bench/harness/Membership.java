package io.ringroute.bench.harness;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The nodes of a cluster at one moment, in the order they joined. Immutable. */
public final class Membership {

    private final List<Member> members;

    private Membership(List<Member> members) {
        this.members = Collections.unmodifiableList(new ArrayList<>(members));
    }

    /** Nodes node-0 .. node-(n-1), weight 1. */
    public static Membership ofSize(int n) {
        if (n < 1) {
            throw new HarnessException("the number of nodes must be >= 1, was " + n);
        }
        List<Member> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(Member.numbered(i));
        }
        return new Membership(list);
    }

    public List<Member> members() {
        return members;
    }

    public int size() {
        return members.size();
    }

    public List<String> ids() {
        return members.stream().map(Member::id).toList();
    }

    public boolean contains(String id) {
        return members.stream().anyMatch(m -> m.id().equals(id));
    }

    public boolean allWeightsOne() {
        return members.stream().allMatch(m -> m.weight() == 1.0);
    }

    public double totalWeight() {
        return members.stream().mapToDouble(Member::weight).sum();
    }

    /** This membership plus k new nodes, numbered after the highest index so far. */
    public Membership plus(int k) {
        if (k < 1) {
            throw new HarnessException("the number of nodes to add must be >= 1, was " + k);
        }
        int next = members.stream().mapToInt(Member::index).max().orElse(-1) + 1;
        List<Member> list = new ArrayList<>(members);
        for (int i = 0; i < k; i++) {
            list.add(Member.numbered(next + i));
        }
        return new Membership(list);
    }

    /** This membership without the k nodes that joined last (the only removal jump hashes support). */
    public Membership minusLast(int k) {
        if (k < 1 || k >= members.size()) {
            throw new HarnessException("cannot remove " + k + " of " + members.size()
                    + " nodes: remove at least 1 and leave at least 1");
        }
        return new Membership(members.subList(0, members.size() - k));
    }

    /** This membership without the named nodes, wherever they are in the list. */
    public Membership minus(Set<String> ids) {
        Set<String> unknown = new LinkedHashSet<>(ids);
        unknown.removeAll(ids());
        if (!unknown.isEmpty()) {
            throw new HarnessException("cannot remove " + unknown + ": no such node among node-0.."
                    + members.get(members.size() - 1).id());
        }
        if (ids.size() >= members.size()) {
            throw new HarnessException("cannot remove " + ids.size() + " of " + members.size()
                    + " nodes: leave at least 1");
        }
        return new Membership(members.stream().filter(m -> !ids.contains(m.id())).toList());
    }

    /** This membership with one node's weight changed. */
    public Membership withWeight(String id, double weight) {
        if (!contains(id)) {
            throw new HarnessException("cannot change the weight of " + id + ": no such node among node-0.."
                    + members.get(members.size() - 1).id());
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new HarnessException("the weight of " + id + " must be finite and > 0, was " + weight);
        }
        return new Membership(members.stream()
                .map(m -> m.id().equals(id) ? new Member(id, m.index(), weight) : m)
                .toList());
    }

    @Override
    public String toString() {
        return members.size() + " nodes";
    }
}
