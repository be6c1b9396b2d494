package io.ringroute.cache;

import io.ringroute.cache.wire.CacheKeys;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs at most one computation per key at a time; concurrent callers for the key wait for it and share its result.
 * A computation that asks for its own key (a loader that loads the key it is loading) fails with an
 * {@link IllegalStateException} instead of waiting for itself forever, as Caffeine does.
 */
final class SingleFlight<V> {

    private record Flight<V>(Thread owner, CompletableFuture<V> result) {
    }

    private final ConcurrentHashMap<Object, Flight<V>> running = new ConcurrentHashMap<>();

    V run(Object identity, Supplier<V> work) {
        Flight<V> mine = new Flight<>(Thread.currentThread(), new CompletableFuture<>());
        Flight<V> other = running.putIfAbsent(identity, mine);
        if (other != null) {
            if (other.owner() == Thread.currentThread()) {
                throw new IllegalStateException("recursive load: the loader of "
                        + CacheKeys.describe(CacheKeys.stored(identity)) + " asked for the same key");
            }
            return await(other.result());
        }
        try {
            V value = work.get();
            mine.result().complete(value);
            return value;
        } catch (RuntimeException | Error e) {
            mine.result().completeExceptionally(e);
            throw e;
        } finally {
            running.remove(identity, mine);
        }
    }

    private static <V> V await(CompletableFuture<V> flight) {
        try {
            return flight.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
