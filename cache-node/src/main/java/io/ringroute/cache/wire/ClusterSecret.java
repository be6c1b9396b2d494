package io.ringroute.cache.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret a client must know to reach a cache node. Open-source Hazelcast authenticates a client by its cluster
 * name only, so the secret goes into the name: a node's cluster name is {@code ringroute-<id>-<tag>}, where the
 * tag is the first 128 bits of HMAC-SHA256(secret, id) in hex. The secret itself never leaves this class (the name
 * a log or a captured connection shows opens that one node only), and {@link #toString()} never shows it.
 *
 * <p>Without a secret ({@link #NONE}) the name is {@code ringroute-<id>}, which anyone can guess: it only keeps a
 * client from reaching the wrong node by mistake.
 */
public final class ClusterSecret {

    /** No secret: the cluster name is the guessable {@code ringroute-<id>}. */
    public static final ClusterSecret NONE = new ClusterSecret(null);

    static final int MIN_LENGTH = 16;
    private static final int MAX_LENGTH = 1024;
    private static final int TAG_BYTES = 16;

    private final byte[] key;

    private ClusterSecret(byte[] key) {
        this.key = key;
    }

    /**
     * A secret of {@value #MIN_LENGTH} to 1024 characters, without leading or trailing whitespace.
     *
     * @throws IllegalArgumentException saying what is wrong with it, never showing it
     */
    public static ClusterSecret of(String secret) {
        if (secret == null) {
            throw new IllegalArgumentException("secret must not be null");
        }
        if (secret.length() < MIN_LENGTH || secret.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("secret must have " + MIN_LENGTH + " to " + MAX_LENGTH
                    + " characters, had " + secret.length());
        }
        if (!secret.strip().equals(secret)) {
            throw new IllegalArgumentException("secret must not start or end with whitespace");
        }
        return new ClusterSecret(secret.getBytes(StandardCharsets.UTF_8));
    }

    public boolean isSet() {
        return key != null;
    }

    /** The cluster name of node {@code nodeId}: the node is configured with it and a client must present it. */
    public String clusterName(String nodeId) {
        String name = "ringroute-" + nodeId;
        if (key == null) {
            return name;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] tag = mac.doFinal(nodeId.getBytes(StandardCharsets.UTF_8));
            return name + "-" + HexFormat.of().formatHex(tag, 0, TAG_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    @Override
    public String toString() {
        return key == null ? "no secret" : "secret set";
    }
}
