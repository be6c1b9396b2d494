package io.ringroute.bench.harness;

import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "movement", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Share of keys whose owner changes when nodes are added, removed or re-weighted, per scheme, next to "
                + "the ideal share; for the ring also the exact share from its rebalance plan, and for replica "
                + "sets (R = 1..--replicas) where the scheme has them.",
            "Removal takes the nodes that joined last unless --remove-ids names others (jump hashes can only drop "
                + "the last bucket; list-based schemes renumber the nodes after a removed one)."})
final class MovementCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--nodes"}, paramLabel = "N", defaultValue = "10",
            description = "Nodes before the change (default: ${DEFAULT-VALUE}).")
    int nodes;

    @ArgGroup(exclusive = true)
    Change change;

    @Option(names = {"-r", "--replicas"}, paramLabel = "R", defaultValue = "3",
            description = "Measure replica sets of size 1..R where the scheme has them (default: ${DEFAULT-VALUE}).")
    int replicas;

    @Mixin
    KeyOptions keys;

    @Mixin
    SchemeOptions schemes;

    @Mixin
    OutputOptions output;

    /** The membership change; adding one node when none is given. */
    static final class Change {
        @Option(names = "--add", paramLabel = "K", description = "Add K nodes (default: add 1).")
        Integer add;

        @Option(names = "--remove", paramLabel = "K", description = "Remove the K nodes that joined last.")
        Integer remove;

        @Option(names = "--remove-ids", split = ",", paramLabel = "ID",
                description = "Remove these nodes (node-0 .. node-(N-1)), wherever they are.")
        List<String> removeIds;

        @Option(names = "--reweight", paramLabel = "ID=WEIGHT",
                description = "Change one node's weight, e.g. node-3=2 (schemes without weights show n/a).")
        Map<String, Double> reweight;
    }

    @Override
    public Integer call() {
        if (replicas < 1) {
            throw new HarnessException("--replicas must be >= 1, was " + replicas);
        }
        Scenario scenario = scenario();
        List<Scheme> selected = schemes.select(replicas);
        KeySample sample = keys.load();
        MovementRun run = new MovementRun(scenario, sample, replicas);
        List<MovementRow> rows;
        try (Progress progress = output.progress("movement", run.work(selected))) {
            rows = run.measure(selected, progress);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("Key movement, " + scenario.description() + "; " + sample.source());
        out.print(MovementReport.table(rows, 4).toText());
        out.println("moved: sampled share of keys whose owner (R=1) or replica set (R>1) changed, +- one standard "
                + "error; exact: from the ring's RebalancePlan; ideal: the least a scheme that keeps shares proportional to weight must move (below 1 x ideal means the new node got less than its fair share); unchanged->unchanged: keys "
                + "moved with no changed node involved.");
        output.write("movement.csv", MovementReport.table(rows, 8).toCsv(), out);
        output.write("movement.html", MovementReport.html(scenario, sample, rows), out);
        out.flush();
        return 0;
    }

    private Scenario scenario() {
        if (nodes < 1) {
            throw new HarnessException("--nodes must be >= 1, was " + nodes);
        }
        if (change == null || change.add != null) {
            return Scenario.add(nodes, change == null ? 1 : change.add);
        }
        if (change.remove != null) {
            return Scenario.removeLast(nodes, change.remove);
        }
        if (change.removeIds != null) {
            return Scenario.remove(nodes, new LinkedHashSet<>(change.removeIds));
        }
        if (change.reweight.size() != 1) {
            throw new HarnessException("--reweight takes one node, got " + change.reweight.keySet());
        }
        Map.Entry<String, Double> e = change.reweight.entrySet().iterator().next();
        return Scenario.reweight(nodes, e.getKey(), e.getValue());
    }
}
