package io.ringroute.shard.jdbc;

import java.sql.SQLException;
import java.sql.Wrapper;

/**
 * What the write scope's JDBC wrappers share: the driver's object they forward to, and JDBC's {@code unwrap},
 * which answers with the wrapper for the interfaces it implements itself and asks the driver's object otherwise
 * (so {@code unwrap(PGConnection.class)} still reaches the driver).
 */
abstract class WriteWrapper<T extends Wrapper> implements Wrapper {

    final T target;

    WriteWrapper(T target) {
        this.target = target;
    }

    @Override
    public final <W> W unwrap(Class<W> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        beforeUnwrap();
        return target.unwrap(iface);
    }

    /** Runs before the driver's object is handed out (a write unit enters first: see {@link UnitEntry}). */
    void beforeUnwrap() throws SQLException {
    }

    @Override
    public final boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || target.isWrapperFor(iface);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{" + target + "}";
    }
}
