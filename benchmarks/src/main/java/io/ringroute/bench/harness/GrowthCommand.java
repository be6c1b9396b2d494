package io.ringroute.bench.harness;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "growth", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Adds nodes one at a time from --from to --to, then removes a random tenth one at a time and "
                + "(allocated rings) applies the restore step, printing peak/mean for R = 1, 2, 3: exact from arc "
                + "lengths for rings at every step, sampled from keys at checkpoints for the other schemes.")
final class GrowthCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--from", defaultValue = "3", description = "First node count (default: ${DEFAULT-VALUE}).")
    int from;

    @Option(names = "--to", defaultValue = "1000", description = "Last node count (default: ${DEFAULT-VALUE}).")
    int to;

    @Option(names = "--remove-fraction", defaultValue = "0.1",
            description = "Share of the nodes removed at random after growing (default: ${DEFAULT-VALUE}).")
    double removeFraction;

    @Option(names = "--restore-moves", defaultValue = "0",
            description = "Restore steps (token moves) after the removals, allocated rings only; 0 means "
                    + "tokens-per-unit x removed nodes (default: ${DEFAULT-VALUE}).")
    int restoreMoves;

    @Option(names = "--schemes", split = ",", paramLabel = "NAME", defaultValue = "ring,alloc,ketama,jump,rendezvous",
            description = "Schemes, as for balance (default: ${DEFAULT-VALUE}).")
    List<String> names;

    @Option(names = "--vnodes", split = ",", paramLabel = "V", defaultValue = "16,64,256",
            description = "Vnode counts of the random-vnode ring (default: ${DEFAULT-VALUE}).")
    List<Integer> vnodes;

    @Option(names = "--alloc-tokens", split = ",", paramLabel = "T", defaultValue = "8,16,32",
            description = "Tokens per unit weight of the allocated ring (default: ${DEFAULT-VALUE}).")
    List<Integer> allocTokens;

    @Mixin
    KeyOptions keys;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() {
        for (int v : vnodes) {
            if (v < 1) {
                throw new HarnessException("--vnodes values must be >= 1, was " + v);
            }
        }
        List<Scheme> selected = Scheme.select(names, vnodes, allocTokens, 3);
        KeySample sample = keys.load();
        PrintWriter out = spec.commandLine().getOut();
        List<GrowthRun.Row> rows = new ArrayList<>();
        int removed = (int) Math.round(to * removeFraction);
        try (Progress progress = output.progress("growth", (long) selected.size() * (to - from))) {
            for (Scheme s : selected) {
                int moves = restoreMoves > 0 ? restoreMoves : tokensPerUnit(s) * removed;
                rows.addAll(new GrowthRun(sample, from, to, removeFraction, moves, keys.seed).measure(s, progress));
            }
        }
        out.println("Growth " + from + " -> " + to + " one node at a time, then " + removed + " random removals; "
                + "rings exact from arc lengths, other schemes sampled from " + sample.source() + " at checkpoints");
        Table summary = summary(rows);
        out.print(summary.toText());
        Table all = new Table("scheme", "phase", "n", "r", "peak/mean", "exact", "moved");
        rows.forEach(r -> all.row(r.scheme(), r.phase(), Integer.toString(r.n()), Integer.toString(r.r()),
                Numbers.fixed(r.peakToMean(), 5), Boolean.toString(r.exact()), Numbers.fixed(r.moved(), 5)));
        String svg = GrowthChart.svg(rows, from, to);
        output.write("growth.csv", all.toCsv(), out);
        output.write("growth.svg", svg, out);
        output.write("growth.html", new Html("Growth " + from + " -> " + to).table(summary).raw(svg).render(), out);
        out.flush();
        return 0;
    }

    private static int tokensPerUnit(Scheme s) {
        return s.name().startsWith("alloc-t") ? Integer.parseInt(s.name().substring(7)) : 0;
    }

    /** Per scheme and r: the worst peak/mean while growing, at N = 100 and at the end, after removals and restore. */
    private Table summary(List<GrowthRun.Row> rows) {
        Table t = new Table("scheme", "r", "worst grow (N>=3)", "at N", "N=100", "N=" + to, "after removals",
                "after restore", "restore moved");
        List<String> seen = new ArrayList<>();
        rows.forEach(r -> {
            if (!seen.contains(r.scheme() + "/" + r.r())) {
                seen.add(r.scheme() + "/" + r.r());
            }
        });
        for (String key : seen) {
            String scheme = key.substring(0, key.lastIndexOf('/'));
            int r = Integer.parseInt(key.substring(key.lastIndexOf('/') + 1));
            double worst = 0;
            int worstAt = 0;
            double at100 = Double.NaN;
            double atEnd = Double.NaN;
            double afterRemove = Double.NaN;
            double afterRestore = Double.NaN;
            double restoreMoved = Double.NaN;
            for (GrowthRun.Row row : rows) {
                if (!row.scheme().equals(scheme) || row.r() != r) {
                    continue;
                }
                switch (row.phase()) {
                    case "grow" -> {
                        if (row.n() >= 3 && row.peakToMean() > worst) {
                            worst = row.peakToMean();
                            worstAt = row.n();
                        }
                        if (row.n() == 100) {
                            at100 = row.peakToMean();
                        }
                        if (row.n() == to) {
                            atEnd = row.peakToMean();
                        }
                    }
                    case "remove" -> afterRemove = row.peakToMean();
                    default -> {
                        afterRestore = row.peakToMean();
                        restoreMoved = row.moved();
                    }
                }
            }
            t.row(scheme, Integer.toString(r), Numbers.fixed(worst, 4), Integer.toString(worstAt),
                    Numbers.fixed(at100, 4), Numbers.fixed(atEnd, 4), Numbers.fixed(afterRemove, 4),
                    Numbers.fixed(afterRestore, 4), Numbers.fixed(restoreMoved, 4));
        }
        return t;
    }
}
