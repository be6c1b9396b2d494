package io.ringroute.shard;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The connection a write scope hands out: a plain primary connection whose {@code close()} first finishes the
 * write unit (drops any uncommitted work, records the commit position in the session) and only then returns it.
 */
final class WriteConnection {

    /** What happens when the application closes the connection, with autocommit back on. */
    @FunctionalInterface
    interface OnClose {
        void run() throws SQLException;
    }

    private WriteConnection() {
    }

    /**
     * @param onClose  runs when the application closes the connection and it still works
     * @param onBroken runs instead when the connection broke before the unit could be ended: what the unit
     *                 committed (autocommit statements, a commit that failed with a connection error) is unknown
     */
    static Connection wrap(Connection target, OnClose onClose, Runnable onBroken) {
        boolean[] closed = {false};
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "close":
                            if (!closed[0]) {
                                closed[0] = true;
                                finish(target, onClose, onBroken);
                            }
                            return null;
                        case "isClosed":
                            return closed[0] || target.isClosed();
                        case "unwrap":
                            return ((Class<?>) args[0]).isInstance(proxy) ? proxy : invoke(target, method, args);
                        case "isWrapperFor":
                            return ((Class<?>) args[0]).isInstance(proxy) || (boolean) invoke(target, method, args);
                        case "equals":
                            return proxy == args[0];
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "toString":
                            return "WriteConnection{" + target + "}";
                        default:
                            if (closed[0]) {
                                throw new SQLException("connection is closed", "08003");
                            }
                            return invoke(target, method, args);
                    }
                });
    }

    private static void finish(Connection target, OnClose onClose, Runnable onBroken) throws SQLException {
        try {
            if (target.isClosed()) {
                onBroken.run();
                return;
            }
            try {
                if (!target.getAutoCommit()) {
                    target.rollback();        // the application did not commit: nothing of it may stay
                    target.setAutoCommit(true);
                }
            } catch (SQLException e) {
                onBroken.run();
                throw e;
            }
            onClose.run();
        } finally {
            target.close();
        }
    }

    private static Object invoke(Connection target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
