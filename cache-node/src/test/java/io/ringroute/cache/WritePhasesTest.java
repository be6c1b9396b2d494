package io.ringroute.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WritePhasesTest {

    @Test
    void aSwapReturnsOnlyAfterEveryWriteThatEnteredTheOldPhaseExited() throws Exception {
        WritePhases phases = new WritePhases();
        CountDownLatch entered = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<?>[] writers = new CompletableFuture<?>[2];
        for (int i = 0; i < writers.length; i++) {
            writers[i] = CompletableFuture.runAsync(() -> {
                WritePhase p = phases.enter();
                entered.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    p.exit();
                }
            }, r -> new Thread(r, "writer").start());
        }
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        WritePhase old = phases.current();
        WritePhase next = WritePhase.steady();
        Thread[] swapper = new Thread[1];
        CompletableFuture<Void> swap = CompletableFuture.runAsync(() -> phases.swap(next), r -> {
            swapper[0] = new Thread(r, "swapper");
            swapper[0].start();
        });

        await().atMost(Duration.ofSeconds(30)).until(() -> swapper[0].getState() == Thread.State.WAITING
                || swapper[0].getState() == Thread.State.TIMED_WAITING);
        assertThat(phases.current()).isSameAs(next);
        WritePhase during = phases.enter(); // a write that starts now uses the new phase and is not waited for
        assertThat(during).isSameAs(next);
        assertThat(swap).isNotDone();
        assertThat(old.idle()).isFalse();

        release.countDown();
        swap.get(30, TimeUnit.SECONDS);
        assertThat(old.idle()).isTrue();
        during.exit();
        CompletableFuture.allOf(writers).get(30, TimeUnit.SECONDS);
    }
}
