package io.ringroute.shard;

/**
 * A key (and for reads a consistency, for session use a {@link Session}) bound to the current thread, which
 * {@link ShardRouter#dataSource()} routes by. Scopes nest; close them in reverse order, with try-with-resources.
 */
public final class ShardScope implements AutoCloseable {

    private final ThreadLocal<ShardScope> current;
    private final ShardScope previous;
    final long token;
    final Consistency consistency;   // null for a write scope
    final Session session;
    private boolean closed;

    ShardScope(ThreadLocal<ShardScope> current, long token, Consistency consistency, Session session) {
        this.current = current;
        this.previous = current.get();
        this.token = token;
        this.consistency = consistency;
        this.session = session;
        current.set(this);
    }

    boolean isWrite() {
        return consistency == null;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (current.get() != this) {
            throw new IllegalStateException("shard scopes closed out of order: close the innermost scope first");
        }
        closed = true;
        if (previous == null) {
            current.remove();
        } else {
            current.set(previous);
        }
    }
}
