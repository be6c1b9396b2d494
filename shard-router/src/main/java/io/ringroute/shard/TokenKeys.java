package io.ringroute.shard;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secrets that seal {@link ConsistencyToken}s: the first one signs (HMAC-SHA256, truncated to
 * {@value #TAG_BYTES} bytes), every one is accepted when reading, so a key is rotated by putting the new key
 * first, then dropping the old one once tokens signed by it have expired. Without secrets ({@link #none()}) the
 * tag is a plain SHA-256 checksum: corruption is refused, forgery is not. Immutable; {@link #toString()} never
 * shows a secret.
 */
public final class TokenKeys {

    /** Bytes of the tag appended to every token. */
    static final int TAG_BYTES = 16;
    /** The shortest secret accepted (UTF-8 bytes). */
    public static final int MIN_SECRET_BYTES = 16;
    private static final TokenKeys NONE = new TokenKeys(List.of());

    private final List<SecretKeySpec> keys;

    private TokenKeys(List<SecretKeySpec> keys) {
        this.keys = keys;
    }

    /** Checksum only: any router without secrets reads the token, a forger included. */
    public static TokenKeys none() {
        return NONE;
    }

    /** Signs with the first secret and accepts all of them; each at least {@value #MIN_SECRET_BYTES} bytes. */
    public static TokenKeys of(List<String> secrets) {
        if (secrets == null || secrets.isEmpty()) {
            throw new IllegalArgumentException("token secrets: at least one is required (or use TokenKeys.none())");
        }
        List<SecretKeySpec> keys = new ArrayList<>();
        for (int i = 0; i < secrets.size(); i++) {
            String s = secrets.get(i);
            byte[] bytes = s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("token secret " + i + " must be at least " + MIN_SECRET_BYTES
                        + " bytes, was " + bytes.length);
            }
            keys.add(new SecretKeySpec(bytes, "HmacSHA256"));
        }
        return new TokenKeys(List.copyOf(keys));
    }

    public static TokenKeys of(String... secrets) {
        return of(secrets == null ? null : List.of(secrets));
    }

    /** True when tokens are signed (not just checksummed). */
    public boolean signed() {
        return !keys.isEmpty();
    }

    /** The tag of {@code data[0, length)} under the signing key (or the checksum). */
    byte[] tag(byte[] data, int length) {
        return keys.isEmpty() ? checksum(data, length) : hmac(keys.get(0), data, length);
    }

    /** True if {@code data[length, length + TAG_BYTES)} is the tag of {@code data[0, length)} under any key. */
    boolean verifies(byte[] data, int length) {
        byte[] tag = java.util.Arrays.copyOfRange(data, length, length + TAG_BYTES);
        if (keys.isEmpty()) {
            return MessageDigest.isEqual(tag, checksum(data, length));
        }
        boolean ok = false;
        for (SecretKeySpec k : keys) {
            ok |= MessageDigest.isEqual(tag, hmac(k, data, length));
        }
        return ok;
    }

    private static byte[] checksum(byte[] data, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(data, 0, length);
            return java.util.Arrays.copyOf(sha.digest(), TAG_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(data, 0, length);
            return java.util.Arrays.copyOf(mac.doFinal(), TAG_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    @Override
    public String toString() {
        return keys.isEmpty() ? "TokenKeys{checksum only}" : "TokenKeys{" + keys.size() + " secret(s), ***}";
    }
}
