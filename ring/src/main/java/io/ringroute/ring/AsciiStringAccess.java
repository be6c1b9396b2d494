package io.ringroute.ring;

import java.nio.ByteOrder;
import net.openhft.hashing.Access;

/**
 * Reads an all-ASCII string as the bytes of its UTF-8 encoding (one byte per char), so hashing a typical key
 * allocates nothing. Only for strings whose chars are all below 0x80: {@link KeyHash} checks that first.
 */
final class AsciiStringAccess extends Access<String> {

    static final AsciiStringAccess INSTANCE = new AsciiStringAccess();

    private AsciiStringAccess() {
    }

    @Override
    public long getLong(String s, long offset) {
        int i = (int) offset;
        return (long) s.charAt(i)
                | (long) s.charAt(i + 1) << 8
                | (long) s.charAt(i + 2) << 16
                | (long) s.charAt(i + 3) << 24
                | (long) s.charAt(i + 4) << 32
                | (long) s.charAt(i + 5) << 40
                | (long) s.charAt(i + 6) << 48
                | (long) s.charAt(i + 7) << 56;
    }

    @Override
    public int getInt(String s, long offset) {
        int i = (int) offset;
        return s.charAt(i) | s.charAt(i + 1) << 8 | s.charAt(i + 2) << 16 | s.charAt(i + 3) << 24;
    }

    @Override
    public long getUnsignedInt(String s, long offset) {
        return getInt(s, offset) & 0xFFFF_FFFFL;
    }

    @Override
    public int getShort(String s, long offset) {
        return (short) getUnsignedShort(s, offset);
    }

    @Override
    public int getUnsignedShort(String s, long offset) {
        int i = (int) offset;
        return s.charAt(i) | s.charAt(i + 1) << 8;
    }

    @Override
    public int getUnsignedByte(String s, long offset) {
        return s.charAt((int) offset);
    }

    @Override
    public int getByte(String s, long offset) {
        return (byte) s.charAt((int) offset);
    }

    @Override
    public ByteOrder byteOrder(String s) {
        return ByteOrder.LITTLE_ENDIAN;
    }

    @Override
    protected Access<String> reverseAccess() {
        // MurmurHash3 reads little-endian, which this access already is; no caller asks for the reverse.
        throw new UnsupportedOperationException("ASCII string access is little-endian only");
    }
}
