package io.ringroute.shard;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.OptionalLong;

/**
 * What a session has written, in a form that can leave the process: for each shard it wrote to, the WAL position
 * (LSN) right after its last commit there and the {@link ServerIdentity} that LSN belongs to, plus the topology
 * epoch it was taken at. Immutable.
 *
 * <p>The text form ({@link #toString()}, read back with {@link #parse(String)}) is URL-safe base64 without
 * padding of: a version byte (1), the epoch (unsigned LEB128), the entry count, then per entry the shard name
 * (length-prefixed UTF-8), the system identifier (8 bytes, big-endian), the timeline and the LSN (both LEB128).
 * Two shards come to about 60 characters. It is opaque, not secret or signed: a client that edits its own token
 * can only make its own reads staler (lower LSN) or costlier (higher LSN, read from the primary).
 *
 * <p>Safety of old tokens: an entry is honoured on a replica only if its identity equals both the shard primary's
 * current identity and the replica's (a failover changes the timeline, a rebuilt server the system identifier);
 * otherwise the read goes to the primary. Rows that resharding moved are covered by the router's per-shard cutover
 * floor, which every SESSION read must also clear, whatever the token's epoch.
 */
public final class ConsistencyToken {

    private static final byte VERSION = 1;
    private static final int MAX_ENTRIES = 4096;
    private static final ConsistencyToken EMPTY = new ConsistencyToken(0, new Position[0]);
    /** The LSN of an uncertain write: above every real position, so only the primary serves the shard. */
    private static final long UNCERTAIN = Long.MAX_VALUE;
    private static final ServerIdentity UNKNOWN_IDENTITY = new ServerIdentity(0, 0);

    private final long epoch;
    private final Position[] positions; // sorted by shard name

    /** Where a session's last write on one shard ended, and on which WAL history. */
    private record Position(String shard, ServerIdentity identity, long lsn) {
    }

    private ConsistencyToken(long epoch, Position[] positions) {
        this.epoch = epoch;
        this.positions = positions;
    }

    /** The token of a session that has written nothing. */
    public static ConsistencyToken empty() {
        return EMPTY;
    }

    /** The topology epoch of the newest write in this token (0 for a static topology). */
    public long epoch() {
        return epoch;
    }

    /** The shards this token has positions for. */
    public List<String> shards() {
        return Arrays.stream(positions).map(Position::shard).toList();
    }

    public boolean isEmpty() {
        return positions.length == 0;
    }

    /** The LSN recorded for a shard, if the session wrote there. */
    public OptionalLong lsn(String shard) {
        int i = indexOf(shard);
        return i < 0 ? OptionalLong.empty() : OptionalLong.of(positions[i].lsn());
    }

    /**
     * Whether a write on the shard may have committed at a position that could not be read (the connection broke
     * around the commit): reads of the shard go to the primary until the session's next known position there.
     */
    public boolean isUncertain(String shard) {
        int i = indexOf(shard);
        return i >= 0 && positions[i].lsn() == UNCERTAIN;
    }

    int indexOf(String shard) {
        for (int i = 0; i < positions.length; i++) {
            if (positions[i].shard().equals(shard)) {
                return i;
            }
        }
        return -1;
    }

    long lsnAt(int i) {
        return positions[i].lsn();
    }

    boolean identityMatches(int i, ServerIdentity id) {
        return positions[i].identity().equals(id);
    }

    /**
     * This token with a write on {@code shard} recorded. A position replaces the old one when it is later on the
     * same history, when it comes from another history (after a failover the old position means nothing), or when
     * the old one is uncertain ({@link #isUncertain}): the session only records a position read after the uncertain
     * commit was noted, and such a position covers it.
     */
    ConsistencyToken withWrite(String shard, ServerIdentity id, long lsn, long atEpoch) {
        int i = indexOf(shard);
        long newEpoch = Math.max(epoch, atEpoch);
        if (i >= 0) {
            long old = positions[i].lsn();
            boolean sameHistory = identityMatches(i, id);
            if (sameHistory && old != UNCERTAIN && Long.compareUnsigned(old, lsn) >= 0 && newEpoch == epoch) {
                return this;
            }
            Position[] next = positions.clone();
            next[i] = new Position(shard, id,
                    sameHistory && old != UNCERTAIN && lsn != UNCERTAIN ? Math.max(old, lsn) : lsn);
            return new ConsistencyToken(newEpoch, next);
        }
        int at = 0;
        while (at < positions.length && positions[at].shard().compareTo(shard) < 0) {
            at++;
        }
        Position[] next = new Position[positions.length + 1];
        System.arraycopy(positions, 0, next, 0, at);
        next[at] = new Position(shard, id, lsn);
        System.arraycopy(positions, at, next, at + 1, positions.length - at);
        return new ConsistencyToken(newEpoch, next);
    }

    /** This token with an uncertain write on {@code shard} ({@link #isUncertain}), replacing its position. */
    ConsistencyToken withUncertainWrite(String shard, long atEpoch) {
        return withWrite(shard, UNKNOWN_IDENTITY, UNCERTAIN, atEpoch);
    }

    /** Parses the text form; names what is wrong with a malformed token. */
    public static ConsistencyToken parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("consistency token is empty");
        }
        byte[] b;
        try {
            b = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("consistency token is not URL-safe base64: " + e.getMessage());
        }
        Reader in = new Reader(b);
        int version = in.u8();
        if (version != VERSION) {
            throw new IllegalArgumentException("consistency token has version " + version + ", expected " + VERSION);
        }
        long epoch = in.varLong();
        long n = in.varLong();
        if (n < 0 || n > MAX_ENTRIES) {
            throw new IllegalArgumentException("consistency token claims " + n + " shards");
        }
        Position[] positions = new Position[(int) n];
        for (int i = 0; i < n; i++) {
            String shard = in.string();
            if (i > 0 && shard.compareTo(positions[i - 1].shard()) <= 0) {
                throw new IllegalArgumentException("consistency token lists shards out of order");
            }
            long systemId = in.fixed64();
            int timeline = (int) in.varLong();
            positions[i] = new Position(shard, new ServerIdentity(systemId, timeline), in.varLong());
        }
        if (!in.atEnd()) {
            throw new IllegalArgumentException("consistency token has trailing bytes");
        }
        return new ConsistencyToken(epoch, positions);
    }

    /** The compact, URL-safe text form. */
    @Override
    public String toString() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + positions.length * 24);
        out.write(VERSION);
        writeVar(out, epoch);
        writeVar(out, positions.length);
        for (Position p : positions) {
            byte[] name = p.shard().getBytes(StandardCharsets.UTF_8);
            writeVar(out, name.length);
            out.write(name, 0, name.length);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (p.identity().systemId() >>> shift));
            }
            writeVar(out, Integer.toUnsignedLong(p.identity().timeline()));
            writeVar(out, p.lsn());
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConsistencyToken t && epoch == t.epoch && Arrays.equals(positions, t.positions);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(positions) * 31 + Long.hashCode(epoch);
    }

    private static void writeVar(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** Bounds-checked reads of the binary form. */
    private static final class Reader {
        private final byte[] b;
        private int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        int u8() {
            if (pos >= b.length) {
                throw new IllegalArgumentException("consistency token is truncated");
            }
            return b[pos++] & 0xFF;
        }

        long varLong() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int x = u8();
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("consistency token has an over-long number");
        }

        long fixed64() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | u8();
            }
            return v;
        }

        String string() {
            long len = varLong();
            if (len < 1 || len > 63 || pos + len > b.length) {
                throw new IllegalArgumentException("consistency token has a bad shard name length " + len);
            }
            String s = new String(b, pos, (int) len, StandardCharsets.UTF_8);
            pos += (int) len;
            return s;
        }

        boolean atEnd() {
            return pos == b.length;
        }
    }
}
