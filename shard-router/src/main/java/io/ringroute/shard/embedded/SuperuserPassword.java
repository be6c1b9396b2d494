package io.ringroute.shard.embedded;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HexFormat;
import org.postgresql.PGConnection;

/**
 * The password of the {@code postgres} superuser of embedded servers: 128 random bits, hex (safe inside URLs and
 * conninfo strings without quoting), held in memory only. {@link #toString()} never shows it.
 */
final class SuperuserPassword {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String value;

    private SuperuserPassword(String value) {
        this.value = value;
    }

    static SuperuserPassword random() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return new SuperuserPassword(HexFormat.of().formatHex(bytes));
    }

    /** The clear text, for the driver and for a standby's {@code primary_conninfo}; never log it. */
    String reveal() {
        return value;
    }

    /**
     * Makes this the superuser's password on the server behind {@code c}. The driver hashes it (SCRAM-SHA-256)
     * before sending, so the clear text never reaches the server or its log.
     */
    void setOn(Connection c) throws SQLException {
        c.unwrap(PGConnection.class).alterUserPassword("postgres", value.toCharArray(), "scram-sha-256");
    }

    @Override
    public String toString() {
        return "***";
    }
}
