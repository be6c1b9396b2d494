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
 * <p>The text form ({@link #toString()}, read back with {@link #parse(String, TokenKeys)}) is URL-safe base64
 * without padding of: a version byte (2), the epoch (unsigned LEB128), the entry count, then per entry the shard
 * name (length-prefixed UTF-8), the system identifier (8 bytes, big-endian), the timeline and the LSN (both
 * LEB128), and last a {@value TokenKeys#TAG_BYTES}-byte tag over all of it: HMAC-SHA256 under the router's first
 * {@link TokenKeys} secret, or a SHA-256 checksum when it has none. A token whose tag does not match (one edited,
 * truncated or mangled by a proxy, or forged without the secret) is refused with {@link InvalidTokenException};
 * so are version-1 tokens, which had no tag. Two shards come to about 80 characters. It is not secret: anyone
 * can decode the positions.
 *
 * <p>Safety of old tokens: an entry is honoured on a replica only if its identity equals both the shard primary's
 * current identity and the replica's (a failover changes the timeline, a rebuilt server the system identifier);
 * otherwise the read goes to the primary. Rows that resharding moved are covered by the router's per-shard cutover
 * floor, which every SESSION read must also clear, whatever the token's epoch.
 */
public final class ConsistencyToken {

    private static final byte VERSION = 2;
    private static final int MAX_ENTRIES = 4096;
    private static final ConsistencyToken EMPTY = new ConsistencyToken(0, new Position[0], TokenKeys.none());
    /** The LSN of an uncertain write: above every real position, so only the primary serves the shard. */
    private static final long UNCERTAIN = Long.MAX_VALUE;
    private static final ServerIdentity UNKNOWN_IDENTITY = new ServerIdentity(0, 0);

    private final long epoch;
    private final Position[] positions; // sorted by shard name
    private final TokenKeys keys;       // seal the text form; not part of the value

    /** Where a session's last write on one shard ended, and on which WAL history. */
    private record Position(String shard, ServerIdentity identity, long lsn) {
    }

    private ConsistencyToken(long epoch, Position[] positions, TokenKeys keys) {
        this.epoch = epoch;
        this.positions = positions;
        this.keys = keys;
    }

    /** The same positions, sealed by {@code keys} in the text form. */
    ConsistencyToken sealedWith(TokenKeys keys) {
        return keys == this.keys ? this : new ConsistencyToken(epoch, positions, keys);
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
            return new ConsistencyToken(newEpoch, next, keys);
        }
        int at = 0;
        while (at < positions.length && positions[at].shard().compareTo(shard) < 0) {
            at++;
        }
        Position[] next = new Position[positions.length + 1];
        System.arraycopy(positions, 0, next, 0, at);
        next[at] = new Position(shard, id, lsn);
        System.arraycopy(positions, at, next, at + 1, positions.length - at);
        return new ConsistencyToken(newEpoch, next, keys);
    }

    /**
     * This token with an uncertain write on {@code shard} ({@link #isUncertain}), replacing its position; this
     * token itself if the shard is uncertain already at this epoch (a session that keeps writing allocates none).
     */
    ConsistencyToken withUncertainWrite(String shard, long atEpoch) {
        int i = indexOf(shard);
        if (i >= 0 && positions[i].lsn() == UNCERTAIN && atEpoch <= epoch) {
            return this;
        }
        return withWrite(shard, UNKNOWN_IDENTITY, UNCERTAIN, atEpoch);
    }

    /** Parses a text form sealed with a checksum only ({@link TokenKeys#none()}). */
    public static ConsistencyToken parse(String text) {
        return parse(text, TokenKeys.none());
    }

    /**
     * Parses the text form, checking its tag against {@code keys}.
     *
     * @throws InvalidTokenException naming the problem: empty, not base64, another format version, a tag that
     *                               does not match (corrupted, forged, or another secret), or malformed content
     */
    public static ConsistencyToken parse(String text, TokenKeys keys) {
        if (text == null || text.isEmpty()) {
            throw new InvalidTokenException(InvalidTokenException.Problem.EMPTY, "it is empty");
        }
        byte[] b;
        try {
            b = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException(InvalidTokenException.Problem.NOT_BASE64,
                    "it is not URL-safe base64: " + e.getMessage());
        }
        if (b.length == 0 || b[0] != VERSION) {
            throw new InvalidTokenException(InvalidTokenException.Problem.UNSUPPORTED_VERSION, "it has format"
                    + " version " + (b.length == 0 ? "none" : Integer.toString(b[0] & 0xFF)) + ", this router reads "
                    + VERSION + " (version 1 had no integrity check): start a new session");
        }
        int body = b.length - TokenKeys.TAG_BYTES;
        if (body < 1 || !keys.verifies(b, body)) {
            throw new InvalidTokenException(InvalidTokenException.Problem.INTEGRITY, "its integrity tag does not"
                    + " match: it was altered or truncated, or sealed " + (keys.signed()
                    ? "with a secret this router does not accept" : "with a secret (this router has none)"));
        }
        Reader in = new Reader(b, body);
        in.u8();
        long epoch = in.varLong();
        long n = in.varLong();
        if (n < 0 || n > MAX_ENTRIES) {
            throw Reader.malformed("it claims " + n + " shards");
        }
        Position[] positions = new Position[(int) n];
        for (int i = 0; i < n; i++) {
            String shard = in.string();
            if (i > 0 && shard.compareTo(positions[i - 1].shard()) <= 0) {
                throw Reader.malformed("it lists shards out of order");
            }
            long systemId = in.fixed64();
            int timeline = (int) in.varLong();
            positions[i] = new Position(shard, new ServerIdentity(systemId, timeline), in.varLong());
        }
        if (!in.atEnd()) {
            throw Reader.malformed("it has trailing bytes");
        }
        return new ConsistencyToken(epoch, positions, keys);
    }

    /** The compact, URL-safe text form, sealed with this token's keys (its router's). */
    @Override
    public String toString() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + TokenKeys.TAG_BYTES + positions.length * 24);
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
        byte[] body = out.toByteArray();
        out.write(keys.tag(body, body.length), 0, TokenKeys.TAG_BYTES);
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
        private final int end;
        private int pos;

        Reader(byte[] b, int end) {
            this.b = b;
            this.end = end;
        }

        static InvalidTokenException malformed(String message) {
            return new InvalidTokenException(InvalidTokenException.Problem.MALFORMED, message);
        }

        int u8() {
            if (pos >= end) {
                throw malformed("it is truncated");
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
            throw malformed("it has an over-long number");
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
            if (len < 1 || len > 63 || pos + len > end) {
                throw malformed("it has a bad shard name length " + len);
            }
            String s = new String(b, pos, (int) len, StandardCharsets.UTF_8);
            pos += (int) len;
            return s;
        }

        boolean atEnd() {
            return pos == end;
        }
    }
}
