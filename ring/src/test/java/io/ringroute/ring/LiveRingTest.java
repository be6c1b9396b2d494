package io.ringroute.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LiveRingTest {

    @Test
    void eachSwapBumpsTheEpochAndTellsListenersThePlan() {
        LiveRing live = new LiveRing(HashRing.of(List.of(Node.of("a"), Node.of("b"))));
        List<RingChange> seen = new ArrayList<>();
        live.addListener(seen::add);
        assertThat(live.epoch()).isEqualTo(1);

        RingChange added = live.update(r -> r.withNode(Node.of("c")));
        RingChange removed = live.update(r -> r.withoutNode("a"));

        assertThat(seen).containsExactly(added, removed);
        assertThat(added.epoch()).isEqualTo(2);
        assertThat(removed.epoch()).isEqualTo(3);
        assertThat(live.epoch()).isEqualTo(3);
        assertThat(added.plan().moves()).allSatisfy(m -> assertThat(m.to().id()).isEqualTo("c"));
        assertThat(removed.plan().moves()).allSatisfy(m -> assertThat(m.from().id()).isEqualTo("a"));
        assertThat(live.ring().nodes()).extracting(Node::id).containsExactly("b", "c");
    }

    @Test
    void withoutListenersASwapComputesNoPlan() {
        LiveRing live = new LiveRing(HashRing.of(List.of(Node.of("a"), Node.of("b"))));
        RingChange added = live.update(r -> r.withNode(Node.of("c")));
        assertThat(added.plan()).isNull();
        assertThat(added.epoch()).isEqualTo(2);
        assertThat(live.ring().nodes()).extracting(Node::id).containsExactly("a", "b", "c");
    }

    @Test
    void aFailedChangeLeavesTheRingAndEpochAsTheyWere() {
        LiveRing live = new LiveRing(HashRing.of(List.of(Node.of("a"))));
        RingVersion before = live.current();
        try {
            live.update(r -> r.withoutNode("missing"));
        } catch (IllegalArgumentException expected) {
            assertThat(expected).hasMessageContaining("no node 'missing'");
        }
        assertThat(live.current()).isSameAs(before);
    }

    /**
     * A writer swaps rings whose size is a function of their epoch; readers check that every ring they see has the
     * size its epoch says and answers lookups from its own nodes only.
     */
    @Test
    void readersRacingWithSwapsNeverSeeATornRing() throws Exception {
        List<Node> pool = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pool.add(Node.builder("n" + i).zone("z" + i % 2).build());
        }
        LiveRing live = new LiveRing(HashRing.builder().vnodesPerNode(32).nodes(pool.subList(0, 1)).build());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        List<Thread> readers = new CopyOnWriteArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread reader = new Thread(() -> {
                long k = 0;
                try {
                    while (!stop.get()) {
                        RingVersion v = live.current();
                        int expected = sizeForEpoch(v.epoch());
                        assertThat(v.ring().size()).isEqualTo(expected);
                        String key = "key-" + k++;
                        Node primary = v.ring().primary(key);
                        assertThat(v.ring().contains(primary.id())).isTrue();
                        assertThat(v.ring().replicas(key, 3)).hasSize(Math.min(3, expected)).doesNotHaveDuplicates()
                                .startsWith(primary);
                        reads.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            readers.add(reader);
            reader.start();
        }
        for (int swap = 0; swap < 400 && failure.get() == null; swap++) {
            long nextEpoch = live.epoch() + 1;
            List<Node> nodes = pool.subList(0, sizeForEpoch(nextEpoch));
            live.set(HashRing.builder().vnodesPerNode(32).nodes(nodes).build());
        }
        stop.set(true);
        for (Thread reader : readers) {
            reader.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(live.epoch()).isEqualTo(401);
        assertThat(reads.get()).isPositive();
    }

    private static int sizeForEpoch(long epoch) {
        return (int) ((epoch - 1) % 6) + 1;
    }
}
