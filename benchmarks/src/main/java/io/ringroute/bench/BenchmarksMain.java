package io.ringroute.bench;

import io.ringroute.bench.harness.Harness;
import io.ringroute.bench.scale.ScaleBenchmark;
import java.io.PrintWriter;
import java.util.Arrays;

/**
 * The entry point of {@code benchmarks.jar}: {@code harness ...} runs the key-movement and balance harness,
 * {@code scale ...} the demo at scale, {@code jmh ...} runs JMH with the given JMH options (e.g. {@code jmh RingLookup -prof gc}).
 */
public final class BenchmarksMain {

    private static final String USAGE = String.join("\n",
            "usage: java -jar benchmarks.jar harness (movement|balance) [options]   key movement and balance",
            "       java -jar benchmarks.jar jmh [JMH options] [benchmark regex]    lookup benchmarks",
            "       java -jar benchmarks.jar scale [options]                         the demo at a million users",
            "       (harness --help, scale --help and jmh -h describe their options; jmh -l lists the benchmarks)");

    private BenchmarksMain() {
    }

    public static void main(String[] args) throws Exception {
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        String command = args.length == 0 ? "" : args[0];
        switch (command) {
            case "harness" -> System.exit(Harness.run(new PrintWriter(System.out), new PrintWriter(System.err),
                    rest));
            case "jmh" -> org.openjdk.jmh.Main.main(rest);
            case "scale" -> System.exit(ScaleBenchmark.run(rest));
            case "-h", "--help", "help" -> System.out.println(USAGE);
            default -> {
                System.err.println(command.isEmpty() ? USAGE : "unknown command '" + command + "'\n" + USAGE);
                System.exit(2);
            }
        }
    }
}
