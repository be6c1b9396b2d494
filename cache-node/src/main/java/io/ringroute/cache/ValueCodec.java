package io.ringroute.cache;

import java.nio.charset.StandardCharsets;

/**
 * Turns cache values into the bytes a node stores and back. Implementations must be thread-safe; {@code decode}
 * gets the bytes of exactly one earlier {@code encode}.
 *
 * @param <V> the value type
 */
public interface ValueCodec<V> {

    byte[] encode(V value);

    V decode(byte[] bytes);

    /** Values are byte arrays, stored as given (not copied: do not change an array after putting it). */
    static ValueCodec<byte[]> bytes() {
        return ByteArrayCodec.INSTANCE;
    }

    /** Values are strings, stored as UTF-8. */
    static ValueCodec<String> utf8() {
        return Utf8Codec.INSTANCE;
    }
}

enum ByteArrayCodec implements ValueCodec<byte[]> {
    INSTANCE;

    @Override
    public byte[] encode(byte[] value) {
        return value;
    }

    @Override
    public byte[] decode(byte[] bytes) {
        return bytes;
    }
}

enum Utf8Codec implements ValueCodec<String> {
    INSTANCE;

    @Override
    public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
