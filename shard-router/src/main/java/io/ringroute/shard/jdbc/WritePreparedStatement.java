package io.ringroute.shard.jdbc;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLType;
import java.sql.SQLXML;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Calendar;
/**
 * A prepared statement of a {@link WriteConnection}: see {@link WriteStatement}. One that carries a write unit's
 * entry ({@link UnitEntry#carrier}) shifts the caller's parameter indexes past the entry's, and skips the entry's
 * result, so the caller sees its own statement only (except in {@link #getParameterMetaData()}).
 */
class WritePreparedStatement extends WriteStatement implements PreparedStatement {

    private final PreparedStatement prepared;
    private final UnitEntry carried;
    private final int shift;
    private final boolean entering;     // runs the unit's entry first if it has not run (unless carried)

    /** @param carried the entry {@code target} carries, or null */
    WritePreparedStatement(PreparedStatement target, WriteConnection connection, UnitEntry carried) {
        this(target, connection, carried, true);
    }

    private WritePreparedStatement(PreparedStatement target, WriteConnection connection, UnitEntry carried,
                                   boolean entering) {
        super(target, connection);
        this.prepared = target;
        this.carried = carried;
        this.shift = carried == null ? 0 : carried.parameters();
        this.entering = entering;
    }

    /** A statement that does not need the unit's entry ({@link UnitEntry#neededBy}): it runs without it. */
    static WritePreparedStatement withoutEntry(PreparedStatement target, WriteConnection connection) {
        return new WritePreparedStatement(target, connection, null, false);
    }

    private void enterFirst() throws SQLException {
        if (entering) {
            enterUnit();
        }
    }

    @Override
    public void addBatch() throws SQLException {
        if (carried != null) {    // pgjdbc cannot batch a statement of two (a ClassCastException in 42.7)
            throw new SQLFeatureNotSupportedException("the first statement a write unit prepares carries the unit's"
                    + " entry and cannot be batched: prepare the batch after a statement has run, or in a write scope");
        }
        prepared.addBatch();
    }

    @Override
    public void clearParameters() throws SQLException {
        prepared.clearParameters();
    }

    @Override
    public boolean execute() throws SQLException {
        if (carried != null) {
            return carried.executeCarrier(prepared);
        }
        enterFirst();
        return prepared.execute();
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        if (carried != null) {
            requireNoResultSet(carried.executeCarrier(prepared));
            return prepared.getLargeUpdateCount();
        }
        enterFirst();
        return prepared.executeLargeUpdate();
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        if (carried != null) {
            if (!carried.executeCarrier(prepared)) {
                throw new SQLException("No results were returned by the query.", "02000");
            }
            return owned(prepared.getResultSet());
        }
        enterFirst();
        return owned(prepared.executeQuery());
    }

    @Override
    public int executeUpdate() throws SQLException {
        if (carried != null) {
            requireNoResultSet(carried.executeCarrier(prepared));
            return prepared.getUpdateCount();
        }
        enterFirst();
        return prepared.executeUpdate();
    }

    /** What pgjdbc's own executeUpdate says of a statement that returned rows. */
    private static void requireNoResultSet(boolean resultSet) throws SQLException {
        if (resultSet) {
            throw new SQLException("A result was returned when none was expected.", "0100E");
        }
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        return prepared.getMetaData();
    }

    @Override
    public ParameterMetaData getParameterMetaData() throws SQLException {
        return prepared.getParameterMetaData();
    }

    @Override
    public void setArray(int parameterIndex, Array x) throws SQLException {
        prepared.setArray(parameterIndex + shift, x);
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x) throws SQLException {
        prepared.setAsciiStream(parameterIndex + shift, x);
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, int length) throws SQLException {
        prepared.setAsciiStream(parameterIndex + shift, x, length);
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, long length) throws SQLException {
        prepared.setAsciiStream(parameterIndex + shift, x, length);
    }

    @Override
    public void setBigDecimal(int parameterIndex, BigDecimal x) throws SQLException {
        prepared.setBigDecimal(parameterIndex + shift, x);
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x) throws SQLException {
        prepared.setBinaryStream(parameterIndex + shift, x);
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, int length) throws SQLException {
        prepared.setBinaryStream(parameterIndex + shift, x, length);
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, long length) throws SQLException {
        prepared.setBinaryStream(parameterIndex + shift, x, length);
    }

    @Override
    public void setBlob(int parameterIndex, InputStream x) throws SQLException {
        prepared.setBlob(parameterIndex + shift, x);
    }

    @Override
    public void setBlob(int parameterIndex, Blob x) throws SQLException {
        prepared.setBlob(parameterIndex + shift, x);
    }

    @Override
    public void setBlob(int parameterIndex, InputStream x, long length) throws SQLException {
        prepared.setBlob(parameterIndex + shift, x, length);
    }

    @Override
    public void setBoolean(int parameterIndex, boolean x) throws SQLException {
        prepared.setBoolean(parameterIndex + shift, x);
    }

    @Override
    public void setByte(int parameterIndex, byte x) throws SQLException {
        prepared.setByte(parameterIndex + shift, x);
    }

    @Override
    public void setBytes(int parameterIndex, byte[] x) throws SQLException {
        prepared.setBytes(parameterIndex + shift, x);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader x) throws SQLException {
        prepared.setCharacterStream(parameterIndex + shift, x);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader x, int length) throws SQLException {
        prepared.setCharacterStream(parameterIndex + shift, x, length);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader x, long length) throws SQLException {
        prepared.setCharacterStream(parameterIndex + shift, x, length);
    }

    @Override
    public void setClob(int parameterIndex, Reader x) throws SQLException {
        prepared.setClob(parameterIndex + shift, x);
    }

    @Override
    public void setClob(int parameterIndex, Clob x) throws SQLException {
        prepared.setClob(parameterIndex + shift, x);
    }

    @Override
    public void setClob(int parameterIndex, Reader x, long length) throws SQLException {
        prepared.setClob(parameterIndex + shift, x, length);
    }

    @Override
    public void setDate(int parameterIndex, Date x) throws SQLException {
        prepared.setDate(parameterIndex + shift, x);
    }

    @Override
    public void setDate(int parameterIndex, Date x, Calendar cal) throws SQLException {
        prepared.setDate(parameterIndex + shift, x, cal);
    }

    @Override
    public void setDouble(int parameterIndex, double x) throws SQLException {
        prepared.setDouble(parameterIndex + shift, x);
    }

    @Override
    public void setFloat(int parameterIndex, float x) throws SQLException {
        prepared.setFloat(parameterIndex + shift, x);
    }

    @Override
    public void setInt(int parameterIndex, int x) throws SQLException {
        prepared.setInt(parameterIndex + shift, x);
    }

    @Override
    public void setLong(int parameterIndex, long x) throws SQLException {
        prepared.setLong(parameterIndex + shift, x);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader x) throws SQLException {
        prepared.setNCharacterStream(parameterIndex + shift, x);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader x, long length) throws SQLException {
        prepared.setNCharacterStream(parameterIndex + shift, x, length);
    }

    @Override
    public void setNClob(int parameterIndex, Reader x) throws SQLException {
        prepared.setNClob(parameterIndex + shift, x);
    }

    @Override
    public void setNClob(int parameterIndex, NClob x) throws SQLException {
        prepared.setNClob(parameterIndex + shift, x);
    }

    @Override
    public void setNClob(int parameterIndex, Reader x, long length) throws SQLException {
        prepared.setNClob(parameterIndex + shift, x, length);
    }

    @Override
    public void setNString(int parameterIndex, String x) throws SQLException {
        prepared.setNString(parameterIndex + shift, x);
    }

    @Override
    public void setNull(int parameterIndex, int sqlType) throws SQLException {
        prepared.setNull(parameterIndex + shift, sqlType);
    }

    @Override
    public void setNull(int parameterIndex, int sqlType, String typeName) throws SQLException {
        prepared.setNull(parameterIndex + shift, sqlType, typeName);
    }

    @Override
    public void setObject(int parameterIndex, Object x) throws SQLException {
        prepared.setObject(parameterIndex + shift, x);
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType) throws SQLException {
        prepared.setObject(parameterIndex + shift, x, targetSqlType);
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType) throws SQLException {
        prepared.setObject(parameterIndex + shift, x, targetSqlType);
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType, int scaleOrLength) throws SQLException {
        prepared.setObject(parameterIndex + shift, x, targetSqlType, scaleOrLength);
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType, int scaleOrLength) throws SQLException {
        prepared.setObject(parameterIndex + shift, x, targetSqlType, scaleOrLength);
    }

    @Override
    public void setRef(int parameterIndex, Ref x) throws SQLException {
        prepared.setRef(parameterIndex + shift, x);
    }

    @Override
    public void setRowId(int parameterIndex, RowId x) throws SQLException {
        prepared.setRowId(parameterIndex + shift, x);
    }

    @Override
    public void setSQLXML(int parameterIndex, SQLXML x) throws SQLException {
        prepared.setSQLXML(parameterIndex + shift, x);
    }

    @Override
    public void setShort(int parameterIndex, short x) throws SQLException {
        prepared.setShort(parameterIndex + shift, x);
    }

    @Override
    public void setString(int parameterIndex, String x) throws SQLException {
        prepared.setString(parameterIndex + shift, x);
    }

    @Override
    public void setTime(int parameterIndex, Time x) throws SQLException {
        prepared.setTime(parameterIndex + shift, x);
    }

    @Override
    public void setTime(int parameterIndex, Time x, Calendar cal) throws SQLException {
        prepared.setTime(parameterIndex + shift, x, cal);
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x) throws SQLException {
        prepared.setTimestamp(parameterIndex + shift, x);
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x, Calendar cal) throws SQLException {
        prepared.setTimestamp(parameterIndex + shift, x, cal);
    }

    @Override
    public void setURL(int parameterIndex, URL x) throws SQLException {
        prepared.setURL(parameterIndex + shift, x);
    }

    @Override
    public void setUnicodeStream(int parameterIndex, InputStream x, int length) throws SQLException {
        prepared.setUnicodeStream(parameterIndex + shift, x, length);
    }
}
