package io.ringroute.bench.harness;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the keys come from: a seeded generator (default) or a file of real keys. */
final class KeyOptions {

    @Option(names = "--keys", paramLabel = "K", defaultValue = "1000000",
            description = "Number of generated keys (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--key-length", paramLabel = "CHARS", defaultValue = "16",
            description = "Length of generated keys, lower-case alphanumeric (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--seed", defaultValue = "42",
            description = "Seed of the key generator; the same seed gives the same keys (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "Read the keys from FILE, one per line (UTF-8, empty lines skipped), instead of generating "
                    + "them.")
    Path file;

    KeySample load() {
        return file != null ? KeySample.read(file) : KeySample.generate(count, length, seed);
    }
}
