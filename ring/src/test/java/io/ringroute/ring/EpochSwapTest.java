package io.ringroute.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EpochSwapTest {

    record Snap(long epoch, String label) {
    }

    record Step(Snap before, Snap after, boolean heard) {
    }

    private static EpochSwap<Snap, Step> swapFrom(long epoch) {
        return new EpochSwap<>(new Snap(epoch, "initial"), Snap::epoch, Step::new);
    }

    @Test
    void aStaleOrEqualEpochIsRefusedAndLeavesTheSnapshotAsItWas() {
        EpochSwap<Snap, Step> swap = swapFrom(5);
        List<Step> heard = new ArrayList<>();
        swap.addListener(heard::add);
        Snap before = swap.current();

        assertThat(swap.offer(new Snap(5, "same epoch"))).isNull();
        assertThat(swap.offer(new Snap(3, "older"))).isNull();
        assertThat(swap.update(s -> new Snap(s.epoch(), "same epoch"))).isNull();

        assertThat(swap.current()).isSameAs(before);
        assertThat(heard).isEmpty();
    }

    @Test
    void aNewerEpochIsSwappedInWholeEvenWhenItJumps() {
        EpochSwap<Snap, Step> swap = swapFrom(0);
        Snap initial = swap.current();
        Snap next = new Snap(7, "jumped");

        Step step = swap.offer(next);

        assertThat(swap.current()).isSameAs(next);
        assertThat(step.before()).isSameAs(initial);
        assertThat(step.after()).isSameAs(next);
        assertThat(step.heard()).isFalse();
    }

    @Test
    void aFailedUpdateLeavesTheSnapshotAsItWas() {
        EpochSwap<Snap, Step> swap = swapFrom(1);
        Snap before = swap.current();
        assertThatThrownBy(() -> swap.update(s -> {
            throw new IllegalStateException("no");
        })).hasMessage("no");
        assertThatThrownBy(() -> swap.update(s -> null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> swap.offer(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(swap.current()).isSameAs(before);
    }

    /** Seeded: whatever order epochs are offered in, the current one is the newest offered so far. */
    @Test
    void theCurrentEpochIsAlwaysTheNewestOffered() {
        for (long seed = 0; seed < 200; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            EpochSwap<Snap, Step> swap = swapFrom(0);
            List<Long> heard = new ArrayList<>();
            swap.addListener(s -> heard.add(s.after().epoch()));
            List<Long> taken = new ArrayList<>();
            long newest = 0;
            for (int i = 0; i < 50; i++) {
                long epoch = random.nextLong(0, 40);
                Snap offered = new Snap(epoch, "offer " + i);
                Step step = swap.offer(offered);
                assertThat(step != null).as("seed %d: offer of %d after %d", seed, epoch, newest)
                        .isEqualTo(epoch > newest);
                if (step != null) {
                    assertThat(step.before().epoch()).isEqualTo(newest);
                    assertThat(step.heard()).isTrue();
                    newest = epoch;
                    taken.add(epoch);
                }
                assertThat(swap.current().epoch()).isEqualTo(newest);
            }
            assertThat(heard).as("seed %d", seed).isEqualTo(taken);
        }
    }

    /**
     * Writers race offers of random epochs and +1 updates; the listeners hear a strictly growing chain of epochs,
     * each change starting where the last one ended, and readers never see the epoch go back.
     */
    @Test
    void listenersHearSwapsInEpochOrderUnderConcurrentWriters() throws Exception {
        EpochSwap<Snap, Step> swap = swapFrom(0);
        List<Step> heard = new CopyOnWriteArrayList<>();
        swap.addListener(heard::add);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            long seed = w;
            threads.add(new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                try {
                    start.await();
                    for (int i = 0; i < 2000; i++) {
                        if (random.nextBoolean()) {
                            swap.offer(new Snap(random.nextLong(0, 3000), "offer"));
                        } else {
                            swap.update(s -> new Snap(s.epoch() + 1, "update"));
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        threads.add(new Thread(() -> {
            try {
                start.await();
                long last = 0;
                for (int i = 0; i < 20_000; i++) {
                    long epoch = swap.current().epoch();
                    assertThat(epoch).isGreaterThanOrEqualTo(last);
                    last = epoch;
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }));
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }

        assertThat(failure.get()).isNull();
        assertThat(heard).isNotEmpty();
        Snap previous = new Snap(0, "initial");
        for (Step step : heard) {
            assertThat(step.before()).isEqualTo(previous);
            assertThat(step.after().epoch()).isGreaterThan(previous.epoch());
            previous = step.after();
        }
        assertThat(swap.current()).isSameAs(previous);
    }
}
