package io.ringroute.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** Runs at most one computation per key at a time; concurrent callers for the key wait for it and share its result. */
final class SingleFlight<V> {

    private final ConcurrentHashMap<Object, CompletableFuture<V>> running = new ConcurrentHashMap<>();

    V run(Object identity, Supplier<V> work) {
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> other = running.putIfAbsent(identity, mine);
        if (other != null) {
            return await(other);
        }
        try {
            V value = work.get();
            mine.complete(value);
            return value;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
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
