package io.ringroute.shard.jdbc;

import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.ClientInfoStatus;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.ShardingKey;
import java.sql.Statement;
import java.sql.Struct;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The connection a write scope hands out: a primary connection whose {@code close()} first finishes the write
 * unit (drops any uncommitted work, records the commit position in the session) and only then returns it to its
 * pool. Its statements, their result sets and its database metadata are wrapped too, so
 * {@code statement.getConnection()}, {@code resultSet.getStatement().getConnection()} and
 * {@code getMetaData().getConnection()} (which JDBC code and frameworks use to close or commit) are this
 * connection, never the pooled one behind it. Not wrapped: an {@code Array}'s own result set, which pgjdbc makes on
 * its physical connection; closing through that breaks the connection, and {@link #close()} then ends the unit as
 * broken.
 *
 * <p>A write unit's connection ({@link #unit}) is the same wrapper around a connection the router commits: it
 * runs the unit's {@link UnitEntry} before the first statement (in that statement's round trip when it can), keeps
 * autocommit off, and leaves the ending to the router.
 *
 * <p>Internal: public only for the router's write path in {@code io.ringroute.shard}.
 */
public final class WriteConnection extends WriteWrapper<Connection> implements Connection {

    /** What happens when the application closes the connection, with autocommit back on. */
    @FunctionalInterface
    public interface OnClose {
        void run() throws SQLException;
    }

    private final OnClose onClose;
    private final Runnable onBroken;
    /** A write unit's entry, or null for a write scope's connection. */
    private final UnitEntry entry;
    private boolean closed;

    private WriteConnection(Connection target, OnClose onClose, Runnable onBroken, UnitEntry entry) {
        super(target);
        this.onClose = onClose;
        this.onBroken = onBroken;
        this.entry = entry;
    }

    /**
     * @param onClose  runs when the application closes the connection and it still works
     * @param onBroken runs instead when the connection broke before the unit could be ended: what the unit
     *                 committed (autocommit statements, a commit that failed with a connection error) is unknown
     */
    public static Connection wrap(Connection target, OnClose onClose, Runnable onBroken) {
        return new WriteConnection(target, onClose, onBroken, null);
    }

    /**
     * The connection a write unit's work gets: {@code target} with autocommit off, which the router commits after
     * the work. Closing it only ends the work's use of it; turning autocommit on fails (SQLSTATE 25000).
     */
    public static Connection unit(Connection target, UnitEntry entry) {
        return new WriteConnection(target, null, null, entry);
    }

    /** Runs the unit's entry on its own if it has not run in this transaction; nothing for a write scope. */
    void enterUnit() throws SQLException {
        if (entry != null) {
            entry.enterAlone(target);
        }
    }

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        if (entry != null) {
            return;                           // the router ends the unit
        }
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

    @Override
    public boolean isClosed() throws SQLException {
        return closed || target.isClosed();
    }

    private void requireOpen() throws SQLException {
        if (closed) {
            throw new SQLException("connection is closed", "08003");
        }
    }

    @Override
    public Statement createStatement() throws SQLException {
        requireOpen();
        return new WriteStatement(target.createStatement(), this);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        requireOpen();
        return new WriteStatement(target.createStatement(resultSetType, resultSetConcurrency), this);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        requireOpen();
        return new WriteStatement(target.createStatement(resultSetType, resultSetConcurrency, resultSetHoldability),
                this);
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        requireOpen();
        if (entry != null && !entry.neededBy(sql)) {
            return WritePreparedStatement.withoutEntry(target.prepareStatement(sql), this);
        }
        String carrier = entry == null ? null : entry.carrier(sql);
        return carrier == null ? new WritePreparedStatement(target.prepareStatement(sql), this, null)
                : new WritePreparedStatement(target.prepareStatement(carrier), this, entry);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        requireOpen();
        return new WritePreparedStatement(target.prepareStatement(sql, autoGeneratedKeys), this, null);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        requireOpen();
        return new WritePreparedStatement(target.prepareStatement(sql, columnIndexes), this, null);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        requireOpen();
        return new WritePreparedStatement(target.prepareStatement(sql, columnNames), this, null);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        requireOpen();
        return new WritePreparedStatement(target.prepareStatement(sql, resultSetType, resultSetConcurrency), this,
                null);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency,
                                              int resultSetHoldability) throws SQLException {
        requireOpen();
        return new WritePreparedStatement(target.prepareStatement(sql, resultSetType, resultSetConcurrency,
                resultSetHoldability), this, null);
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        requireOpen();
        return new WriteCallableStatement(target.prepareCall(sql), this);
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
        requireOpen();
        return new WriteCallableStatement(target.prepareCall(sql, resultSetType, resultSetConcurrency), this);
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency,
                                         int resultSetHoldability) throws SQLException {
        requireOpen();
        return new WriteCallableStatement(target.prepareCall(sql, resultSetType, resultSetConcurrency,
                resultSetHoldability), this);
    }

    @Override
    void beforeUnwrap() throws SQLException {
        enterUnit();                  // what is done with the driver's connection must be inside the unit too
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        requireOpenForClientInfo();
        target.setClientInfo(name, value);
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        requireOpenForClientInfo();
        target.setClientInfo(properties);
    }

    private void requireOpenForClientInfo() throws SQLClientInfoException {
        if (closed) {
            throw new SQLClientInfoException("connection is closed", "08003", 0, Map.<String, ClientInfoStatus>of());
        }
    }

    // ---- the rest is delegated as it is, on an open connection ---------------------------------------------

    @Override
    public void abort(Executor executor) throws SQLException {
        requireOpen();
        target.abort(executor);
    }

    @Override
    public void beginRequest() throws SQLException {
        requireOpen();
        target.beginRequest();
    }

    @Override
    public void clearWarnings() throws SQLException {
        requireOpen();
        target.clearWarnings();
    }

    @Override
    public void commit() throws SQLException {
        requireOpen();
        if (entry != null) {
            entry.committing();
        }
        target.commit();
        if (entry != null) {
            entry.transactionEnded();
        }
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        requireOpen();
        return target.createArrayOf(typeName, elements);
    }

    @Override
    public Blob createBlob() throws SQLException {
        requireOpen();
        return target.createBlob();
    }

    @Override
    public Clob createClob() throws SQLException {
        requireOpen();
        return target.createClob();
    }

    @Override
    public NClob createNClob() throws SQLException {
        requireOpen();
        return target.createNClob();
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        requireOpen();
        return target.createSQLXML();
    }

    @Override
    public Struct createStruct(String typeName, Object[] elements) throws SQLException {
        requireOpen();
        return target.createStruct(typeName, elements);
    }

    @Override
    public void endRequest() throws SQLException {
        requireOpen();
        target.endRequest();
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        requireOpen();
        return target.getAutoCommit();
    }

    @Override
    public String getCatalog() throws SQLException {
        requireOpen();
        return target.getCatalog();
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        requireOpen();
        return target.getClientInfo();
    }

    @Override
    public String getClientInfo(String name) throws SQLException {
        requireOpen();
        return target.getClientInfo(name);
    }

    @Override
    public int getHoldability() throws SQLException {
        requireOpen();
        return target.getHoldability();
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        requireOpen();
        return new WriteMetaData(target.getMetaData(), this);
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        requireOpen();
        return target.getNetworkTimeout();
    }

    @Override
    public String getSchema() throws SQLException {
        requireOpen();
        return target.getSchema();
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        requireOpen();
        return target.getTransactionIsolation();
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        requireOpen();
        return target.getTypeMap();
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        requireOpen();
        return target.getWarnings();
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        requireOpen();
        return target.isReadOnly();
    }

    @Override
    public boolean isValid(int value) throws SQLException {
        requireOpen();
        return target.isValid(value);
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        requireOpen();
        return target.nativeSQL(sql);
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        requireOpen();
        target.releaseSavepoint(savepoint);
    }

    @Override
    public void rollback() throws SQLException {
        requireOpen();
        target.rollback();
        if (entry != null) {
            entry.transactionEnded();
        }
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        requireOpen();
        target.rollback(savepoint);
    }

    @Override
    public void setAutoCommit(boolean enable) throws SQLException {
        requireOpen();
        if (entry != null) {
            if (enable) {             // it would commit the unit behind the router's back, without its position
                throw new SQLException("a write unit is one transaction, committed by the router when the work"
                        + " returns: autocommit stays off", "25000");
            }
            return;
        }
        target.setAutoCommit(enable);
    }

    @Override
    public void setCatalog(String name) throws SQLException {
        requireOpen();
        target.setCatalog(name);
    }

    @Override
    public void setHoldability(int value) throws SQLException {
        requireOpen();
        target.setHoldability(value);
    }

    @Override
    public void setNetworkTimeout(Executor executor, int value) throws SQLException {
        requireOpen();
        target.setNetworkTimeout(executor, value);
    }

    @Override
    public void setReadOnly(boolean enable) throws SQLException {
        requireOpen();
        target.setReadOnly(enable);
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        requireOpen();
        enterUnit();
        return target.setSavepoint();
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        requireOpen();
        enterUnit();
        return target.setSavepoint(name);
    }

    @Override
    public void setSchema(String name) throws SQLException {
        requireOpen();
        target.setSchema(name);
    }

    @Override
    public void setShardingKey(ShardingKey shardingKey) throws SQLException {
        requireOpen();
        target.setShardingKey(shardingKey);
    }

    @Override
    public void setShardingKey(ShardingKey shardingKey, ShardingKey superShardingKey) throws SQLException {
        requireOpen();
        target.setShardingKey(shardingKey, superShardingKey);
    }

    @Override
    public boolean setShardingKeyIfValid(ShardingKey shardingKey, int value) throws SQLException {
        requireOpen();
        return target.setShardingKeyIfValid(shardingKey, value);
    }

    @Override
    public boolean setShardingKeyIfValid(ShardingKey shardingKey, ShardingKey superShardingKey, int value)
            throws SQLException {
        requireOpen();
        return target.setShardingKeyIfValid(shardingKey, superShardingKey, value);
    }

    @Override
    public void setTransactionIsolation(int value) throws SQLException {
        requireOpen();
        target.setTransactionIsolation(value);
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        requireOpen();
        target.setTypeMap(map);
    }
}
