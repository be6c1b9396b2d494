package io.ringroute.cache;

import io.ringroute.ring.HashRing;
import io.ringroute.ring.LiveRing;
import io.ringroute.ring.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster client's nodes: the ring reads follow, a client per node, and the changes to both (add, remove,
 * re-weight, and following a membership shared with other processes), one at a time, each rebalanced by the
 * {@link Rebalancer}. Also the client's lifecycle: connecting at start, repairing nodes that missed keys, closing.
 */
final class Membership {

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    private final LiveRing ring;
    private final int replicationFactor;
    private final int vnodesPerNode;
    private final ClientSettings settings;
    private final ScheduledExecutorService scheduler;
    private final ClusterEvents events;
    private final WritePhases phases = new WritePhases();
    private final Rebalancer rebalancer;
    private final Replicas replicas;
    private final EjectionBudget slowBudget = new EjectionBudget(this::nodeCount);
    /** Null unless the membership is shared with other processes through the nodes. */
    private final SharedMembership shared;
    private final Object lock = new Object();
    private volatile boolean closed;
    /**
     * Copy-on-write, read on every call; holds every node of the current ring, and during a change those of the
     * next one too.
     */
    private volatile Map<String, NodeClient> clients;

    Membership(HashRing initial, int replicationFactor, int vnodesPerNode, ClientSettings settings,
               ScheduledExecutorService scheduler, ClusterEvents events, Duration membershipPoll) {
        this.ring = new LiveRing(initial);
        this.replicationFactor = replicationFactor;
        this.vnodesPerNode = vnodesPerNode;
        this.settings = settings;
        this.scheduler = scheduler;
        this.events = events;
        long tombstoneTtlMillis = settings.tombstoneTtl().toMillis();
        this.rebalancer = new Rebalancer(ring, replicationFactor, () -> clients, phases, tombstoneTtlMillis,
                events::publish);
        this.replicas = new Replicas(ring, replicationFactor, () -> clients, phases);
        this.shared = membershipPoll == null ? null
                : new SharedMembership(new SharedMembership.Follower() {
                    @Override
                    public Map<String, NodeClient> clients() {
                        return clients;
                    }

                    @Override
                    public void follow(MembershipRecord record) {
                        Membership.this.follow(record);
                    }

                    @Override
                    public boolean closed() {
                        return closed;
                    }

                    @Override
                    public Object lock() {
                        return lock;
                    }
                }, membershipPoll, scheduler);
    }

    Replicas replicas() {
        return replicas;
    }

    HashRing ring() {
        return ring.ring();
    }

    /**
     * Connects to every node of the initial ring in parallel, then starts repairing and (if shared) following.
     *
     * @return the unreachable nodes' messages; with {@code degradedStart} those nodes start ejected
     */
    List<String> start(Collection<Node> nodes, boolean degradedStart) {
        Map<String, NodeClient> all = new HashMap<>();
        Map<NodeClient, CompletableFuture<Void>> connecting = new LinkedHashMap<>();
        for (Node n : nodes) {
            NodeClient c = newClient(n);
            all.put(n.id(), c);
            connecting.put(c, CompletableFuture.runAsync(c::connect, scheduler));
        }
        setClients(all);
        List<String> unreachable = new ArrayList<>();
        connecting.forEach((c, f) -> {
            try {
                f.join();
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                unreachable.add(cause.getMessage());
                if (degradedStart) {
                    c.startEjected(cause.getMessage());
                }
            }
        });
        if (!unreachable.isEmpty() && !degradedStart) {
            return unreachable;
        }
        scheduler.scheduleWithFixedDelay(this::repairMissedKeys, 500, 500, TimeUnit.MILLISECONDS);
        if (shared != null) {
            shared.start(ring.ring());
        }
        return unreachable;
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this cache cluster client is closed");
        }
    }

    // ---- changes ----------------------------------------------------------------------------------------------

    RebalanceProgress addNode(Node node, Warming warming) {
        if (warming == null) {
            throw new IllegalArgumentException("warming must be WARM or COLD, was null");
        }
        String id = node.id();
        return changing(() -> {
            HashRing before = ring.ring();
            if (before.contains(id)) {
                throw new IllegalArgumentException("duplicate node id '" + id + "': the cluster already has it");
            }
            NodeClient client = newClient(node);
            client.connect();
            Map<String, NodeClient> next = new HashMap<>(clients);
            next.put(id, client);
            setClients(next);
            events.publish(new NodeEvent(Instant.now(), id, NodeEvent.Kind.ADDED,
                    node.attribute(CacheCluster.ADDRESS).orElse("")));
            return change("add " + id, before.withNode(node), warming);
        });
    }

    RebalanceProgress removeNode(String id) {
        return changing(() -> {
            HashRing before = ring.ring();
            if (id == null || !before.contains(id)) {
                throw new IllegalArgumentException("no node '" + id + "' in the cluster (nodes: "
                        + before.nodes().stream().map(Node::id).collect(Collectors.joining(", ")) + ")");
            }
            if (before.size() == 1) {
                throw new IllegalArgumentException("cannot remove '" + id + "': it is the last node of the cluster");
            }
            RebalanceProgress done = change("remove " + id, before.withoutNode(id), Warming.WARM);
            disconnect(id);
            return done;
        });
    }

    RebalanceProgress changeWeight(String id, double weight) {
        return changing(() -> {
            HashRing before = ring.ring();
            Node current = before.node(id).orElseThrow(() -> new IllegalArgumentException("no node '" + id
                    + "' in the cluster (nodes: " + before.nodes().stream().map(Node::id)
                    .collect(Collectors.joining(", ")) + ")"));
            Node changed = current.withWeight(weight);
            RebalanceProgress done = change("weight of " + id + " " + current.weight() + " -> " + weight,
                    before.withNodeReplaced(changed), Warming.WARM);
            events.publish(new NodeEvent(Instant.now(), id, NodeEvent.Kind.WEIGHT_CHANGED,
                    current.weight() + " -> " + weight));
            return done;
        });
    }

    /** Runs a membership change: one at a time here, and with a shared membership one at a time across processes. */
    private RebalanceProgress changing(Supplier<RebalanceProgress> body) {
        synchronized (lock) {
            return shared == null ? body.get() : shared.change(body);
        }
    }

    private RebalanceProgress change(String description, HashRing after, Warming warming) {
        return rebalancer.change(description, after, warming, shared == null ? Rebalancer.Stages.NONE : shared);
    }

    private void disconnect(String id) {
        Map<String, NodeClient> next = new HashMap<>(clients);
        NodeClient gone = next.remove(id);
        setClients(next);
        gone.close();
        events.publish(new NodeEvent(Instant.now(), id, NodeEvent.Kind.REMOVED, ""));
    }

    /** Swaps the node clients, and with them the replica table every call reads. */
    private void setClients(Map<String, NodeClient> next) {
        clients = next;
        replicas.refresh();
    }

    /** The node clients by id, for tests and the shared membership. */
    Map<String, NodeClient> clients() {
        return clients;
    }

    /** Moves to a record another process published (or the newest one, at start). */
    private void follow(MembershipRecord record) {
        synchronized (lock) {
            Map<String, NodeClient> next = new HashMap<>(clients);
            List<Node> all = new ArrayList<>(record.nodes());
            all.addAll(record.others());
            for (Node n : all) {
                if (!next.containsKey(n.id())) {
                    NodeClient c = newClient(n);
                    try {
                        c.connect();
                    } catch (IllegalStateException e) {
                        c.startEjected(e.getMessage());
                    }
                    next.put(n.id(), c);
                    events.publish(new NodeEvent(Instant.now(), n.id(), NodeEvent.Kind.ADDED,
                            n.attribute(CacheCluster.ADDRESS).orElse("") + " (epoch " + record.epoch() + ")"));
                }
            }
            setClients(next);
            ring.set(record.ring(vnodesPerNode, replicationFactor));
            phases.swap(record.others().isEmpty() ? WritePhase.steady()
                    : new WritePhase(record.othersRing(vnodesPerNode, replicationFactor), false));
            if (record.stage() == MembershipRecord.Stage.STEADY) {
                Set<String> kept = record.nodes().stream().map(Node::id).collect(Collectors.toSet());
                for (String id : List.copyOf(clients.keySet())) {
                    if (!kept.contains(id)) {
                        disconnect(id);
                    }
                }
            }
        }
    }

    /** The epoch of the shared membership this client follows; 0 when it shares none. */
    long epoch() {
        return shared == null ? 0 : shared.epoch();
    }

    // ---- nodes ------------------------------------------------------------------------------------------------

    void requirePurge(String nodeId) {
        NodeClient c = nodeId == null ? null : clients.get(nodeId);
        if (c == null) {
            throw new IllegalArgumentException("no node '" + nodeId + "' in the cluster (nodes: "
                    + String.join(", ", new TreeMap<>(clients).keySet()) + ")");
        }
        c.requirePurge();
    }

    Map<String, NodeState> nodeStates() {
        Map<String, NodeState> out = new TreeMap<>();
        clients.forEach((id, c) -> out.put(id, c.state()));
        return out;
    }

    /** Each node's stats, by id order. */
    List<NodeStats> nodeStats() {
        List<NodeStats> nodes = new ArrayList<>();
        new TreeMap<>(clients).values().forEach(c -> nodes.add(c.stats()));
        return nodes;
    }

    /** Disconnects from every node (the nodes keep running). */
    void close() {
        closed = true;
        clients.values().forEach(NodeClient::stop);
        scheduler.shutdown(); // no interrupt: a probe in the middle of connecting finishes, then sees the stop
        try {
            scheduler.awaitTermination(settings.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        clients.values().forEach(NodeClient::close);
    }

    private int nodeCount() {
        return clients.size();
    }

    private NodeClient newClient(Node node) {
        NodeClient c = new NodeClient(node, settings, scheduler, events::publish, peers, slowBudget);
        if (shared != null) {
            c.onRegistryChange(shared::poke);
        }
        return c;
    }

    /** What node clients need from the cluster: the keys' other replicas, and the rebalancer to refill a node. */
    private final NodeClient.Peers peers = new NodeClient.Peers() {
        @Override
        public byte[] newestElsewhere(Object key, String except) {
            return replicas.newestElsewhere(key, except);
        }

        @Override
        public void refill(NodeClient node) {
            scheduler.execute(() -> {
                synchronized (lock) {
                    if (!closed && clients.get(node.id()) == node) {
                        rebalancer.refill(node);
                    }
                }
            });
        }
    };

    private void repairMissedKeys() {
        for (NodeClient c : clients.values()) {
            if (c.state() == NodeState.UP && c.hasMissedKeys()) {
                try {
                    c.repair();
                } catch (RuntimeException e) {
                    LOG.debug("repair of {} failed: {}", c, e.toString());
                }
            }
        }
    }
}
