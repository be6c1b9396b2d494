package io.ringroute.ring;

import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A physical member of a ring: a cache node, a shard, a server. Immutable.
 *
 * <p>The id names the node on the ring and feeds its token placement, so two nodes with the same id are the same
 * node. The weight scales how many tokens (virtual nodes) it gets. The zone, when set, keeps replicas of a key in
 * different zones. Attributes are free-form (an address, a JDBC URL name) and never affect placement.
 */
public final class Node {

    /**
     * Canonical order of node ids: by Unicode code point, which equals the unsigned byte order of their UTF-8
     * encodings (String.compareTo differs for characters outside the BMP). Token collisions are broken in this order.
     */
    public static final Comparator<String> ID_ORDER = Node::compareCodePoints;

    private final String id;
    private final double weight;
    private final String zone;
    private final Map<String, String> attributes;

    private Node(Builder b) {
        this.id = b.id;
        this.weight = b.weight;
        this.zone = b.zone;
        this.attributes = Collections.unmodifiableMap(new LinkedHashMap<>(b.attributes));
    }

    /** A node of weight 1, no zone, no attributes. */
    public static Node of(String id) {
        return builder(id).build();
    }

    /** A node with the given weight, no zone, no attributes. */
    public static Node of(String id, double weight) {
        return builder(id).weight(weight).build();
    }

    public static Builder builder(String id) {
        return new Builder(id);
    }

    public String id() {
        return id;
    }

    public double weight() {
        return weight;
    }

    public Optional<String> zone() {
        return Optional.ofNullable(zone);
    }

    public Map<String, String> attributes() {
        return attributes;
    }

    public Optional<String> attribute(String name) {
        return Optional.ofNullable(attributes.get(name));
    }

    /** This node with another weight; id, zone and attributes stay. */
    public Node withWeight(double newWeight) {
        return toBuilder().weight(newWeight).build();
    }

    public Builder toBuilder() {
        Builder b = new Builder(id).weight(weight).zone(zone);
        attributes.forEach(b::attribute);
        return b;
    }

    /** Zone or null; package-private so the hot paths avoid Optional. */
    String zoneOrNull() {
        return zone;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Node)) {
            return false;
        }
        Node other = (Node) o;
        return id.equals(other.id) && Double.compare(weight, other.weight) == 0
                && Objects.equals(zone, other.zone) && attributes.equals(other.attributes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, weight, zone, attributes);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Node{").append(id);
        if (weight != 1.0) {
            s.append(", weight=").append(weight);
        }
        if (zone != null) {
            s.append(", zone=").append(zone);
        }
        if (!attributes.isEmpty()) {
            s.append(", ").append(attributes);
        }
        return s.append('}').toString();
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Builds a {@link Node}; every setter checks its argument and names the bad value. */
    public static final class Builder {
        private final String id;
        private double weight = 1.0;
        private String zone;
        private final Map<String, String> attributes = new LinkedHashMap<>();

        private Builder(String id) {
            if (id == null || id.isEmpty()) {
                throw new IllegalArgumentException("node id must be a non-empty string, was "
                        + (id == null ? "null" : "\"\""));
            }
            this.id = id;
        }

        public Builder weight(double weight) {
            if (!(weight > 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("weight of node '" + id + "' must be finite and > 0, was " + weight);
            }
            this.weight = weight;
            return this;
        }

        /** The node's zone (rack, availability zone, data centre); null or empty means none. */
        public Builder zone(String zone) {
            this.zone = zone == null || zone.isEmpty() ? null : zone;
            return this;
        }

        public Builder attribute(String name, String value) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("attribute name of node '" + id + "' must be non-empty, was "
                        + (name == null ? "null" : "\"\""));
            }
            if (value == null) {
                throw new IllegalArgumentException("attribute '" + name + "' of node '" + id + "' is null");
            }
            attributes.put(name, value);
            return this;
        }

        public Node build() {
            return new Node(this);
        }
    }
}
