package io.ringroute.bench.harness;

import io.ringroute.ring.HashRing;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "balance", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Each node's share of the keys for N equal nodes, per scheme and ring vnode count: peak/mean, "
                + "min/mean and relative standard deviation, sampled from keys and, for the ring, exact from arc "
                + "lengths; and an estimate of each lookup structure's memory.")
final class BalanceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--nodes"}, split = ",", paramLabel = "N", defaultValue = "10,100",
            description = "Node counts (default: ${DEFAULT-VALUE}).")
    List<Integer> nodes;

    @Mixin
    KeyOptions keys;

    @Mixin
    SchemeOptions schemes;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() {
        for (int n : nodes) {
            if (n < 1) {
                throw new HarnessException("--nodes values must be >= 1, was " + n);
            }
        }
        // The ring as built by default, so its memory estimate includes the default replica lists.
        List<Scheme> selected = schemes.select(HashRing.DEFAULT_MAX_REPLICAS);
        KeySample sample = keys.load();
        BalanceRun run = new BalanceRun(sample);
        List<BalanceRow> rows;
        try (Progress progress = output.progress("balance",
                (long) nodes.size() * selected.size() * sample.size())) {
            rows = run.measure(nodes, selected, progress);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("Load balance over equal nodes; " + sample.source());
        out.print(BalanceReport.summary(rows, 4).toText());
        StringBuilder noise = new StringBuilder();
        for (int n : nodes) {
            noise.append(noise.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f at N=%d",
                    Math.sqrt((double) n / sample.size()), n));
        }
        out.println("Sampled figures include sampling noise (rel SD about sqrt(N/keys): " + noise + "); exact ones "
                + "come from the ring's arc lengths. Memory is an estimate from array lengths x element sizes.");
        output.write("balance.csv", BalanceReport.summary(rows, 8).toCsv(), out);
        output.write("balance-nodes.csv", BalanceReport.perNode(rows).toCsv(), out);
        output.write("balance.html", BalanceReport.html(sample, rows), out);
        out.flush();
        return 0;
    }
}
