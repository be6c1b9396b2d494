package io.ringroute.bench.harness;

import io.ringroute.ring.KeyHash;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The keys a run places: generated from a seed (reproducible) or read from a file, one key per line. Tokens are
 * computed once, with {@link KeyHash}, and shared by every scheme that takes a 64-bit hash.
 */
public final class KeySample {

    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final String[] keys;
    private final long[] tokens;
    private final String source;

    private KeySample(String[] keys, String source) {
        this.keys = keys;
        this.tokens = new long[keys.length];
        for (int i = 0; i < keys.length; i++) {
            tokens[i] = KeyHash.token(keys[i]);
        }
        this.source = source;
    }

    /** {@code count} random lower-case alphanumeric keys of {@code length} chars from a seeded generator. */
    public static KeySample generate(int count, int length, long seed) {
        if (count < 1) {
            throw new HarnessException("the number of keys must be >= 1, was " + count);
        }
        if (length < 1) {
            throw new HarnessException("the key length must be >= 1, was " + length);
        }
        SplittableRandom random = new SplittableRandom(seed);
        String[] keys = new String[count];
        char[] chars = new char[length];
        for (int i = 0; i < count; i++) {
            for (int c = 0; c < length; c++) {
                chars[c] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
            }
            keys[i] = new String(chars);
        }
        return new KeySample(keys, count + " generated keys of " + length + " chars, seed " + seed);
    }

    /** Every non-empty line of a UTF-8 file, as is (duplicates count as often as they appear). */
    public static KeySample read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new HarnessException("key file " + file + " does not exist or is not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new HarnessException("key file " + file + " is not readable");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new HarnessException("key file " + file + " is not valid UTF-8");
        } catch (IOException e) {
            throw new HarnessException("cannot read key file " + file + ": " + e.getMessage());
        }
        String[] keys = lines.stream().filter(l -> !l.isEmpty()).toArray(String[]::new);
        if (keys.length == 0) {
            throw new HarnessException("key file " + file + " has no keys (it needs one key per line)");
        }
        return new KeySample(keys, keys.length + " keys from " + file);
    }

    public int size() {
        return keys.length;
    }

    public String key(int i) {
        return keys[i];
    }

    public long token(int i) {
        return tokens[i];
    }

    /** Where the keys came from, for report headers. */
    public String source() {
        return source;
    }
}
