package io.ringroute.shard.reshard;

import io.ringroute.ring.Node;
import io.ringroute.shard.DirectConnections;
import io.ringroute.shard.WriteFence;
import io.ringroute.shard.catalog.CatalogMove;
import io.ringroute.shard.catalog.CatalogSnapshot;
import io.ringroute.shard.catalog.MoveState;
import io.ringroute.shard.catalog.ShardedTable;
import io.ringroute.shard.catalog.TopologyCatalog;
import io.ringroute.shard.config.CatalogSpec;
import io.ringroute.shard.config.RouterConfig;
import io.ringroute.shard.config.ShardSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The resharding CLI: {@code status}, {@code plan} (dry run), {@code run} (with a progress bar; resumes an
 * unfinished run) and {@code register-table}, against the catalog and shards of a router configuration file.
 */
@Command(name = "ringroute-reshard", mixinStandardHelpOptions = true, version = "ringroute-reshard 0.1",
        description = "Online resharding of ringroute PostgreSQL shards.",
        subcommands = {ReshardCommand.Status.class, ReshardCommand.Plan.class, ReshardCommand.Run.class,
                ReshardCommand.RegisterTable.class})
public final class ReshardCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (0 ok, 1 error, 2 usage). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    static int run(PrintWriter out, PrintWriter err, String... args) {
        return new CommandLine(new ReshardCommand()).setOut(out).setErr(err)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("error: " + e.getMessage());
                    return 1;
                }).execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** The configuration file option shared by every subcommand. */
    static final class ConfigOption {
        @Option(names = {"-c", "--config"}, required = true, description = "router properties file (shards and"
                + " catalog.*)")
        Path file;

        RouterConfig load() {
            return RouterConfig.load(file);
        }

        CatalogSpec catalog(RouterConfig config) {
            return config.catalog().orElseThrow(() -> new IllegalArgumentException(file + " has no catalog.url:"
                    + " resharding needs a topology catalog"));
        }
    }

    /** The topology change options of plan and run. */
    static final class ChangeOptions {
        @Option(names = "--add", description = "add a shard defined in the config, optionally name=weight")
        List<String> add = new ArrayList<>();

        @Option(names = "--remove", description = "remove a shard (its rows drain to the others)")
        List<String> remove = new ArrayList<>();

        @Option(names = "--weight", description = "change a shard's weight: name=weight")
        List<String> weight = new ArrayList<>();

        Map<String, Double> target(Map<String, Double> members, RouterConfig config) {
            Map<String, Double> out = new TreeMap<>(Node.ID_ORDER);
            out.putAll(members);
            for (String a : add) {
                String[] nw = split(a, "--add");
                if (out.containsKey(nw[0])) {
                    throw new IllegalArgumentException("--add " + nw[0] + ": the shard is already in the topology");
                }
                double w = nw[1] != null ? parseWeight(nw[1], a)
                        : config.topology().shard(nw[0]).map(ShardSpec::weight).orElse(1.0);
                out.put(nw[0], w);
            }
            for (String r : remove) {
                if (out.remove(r) == null) {
                    throw new IllegalArgumentException("--remove " + r + ": no such shard in the topology "
                            + out.keySet());
                }
            }
            for (String w : weight) {
                String[] nw = split(w, "--weight");
                if (nw[1] == null || !out.containsKey(nw[0])) {
                    throw new IllegalArgumentException("--weight " + w + ": expected name=weight of a shard in "
                            + out.keySet());
                }
                out.put(nw[0], parseWeight(nw[1], w));
            }
            if (add.isEmpty() && remove.isEmpty() && weight.isEmpty()) {
                throw new IllegalArgumentException("say what changes: --add, --remove and/or --weight");
            }
            return out;
        }

        private static String[] split(String arg, String option) {
            int eq = arg.indexOf('=');
            if (eq == 0) {
                throw new IllegalArgumentException(option + " " + arg + ": missing shard name");
            }
            return eq < 0 ? new String[]{arg, null} : new String[]{arg.substring(0, eq), arg.substring(eq + 1)};
        }

        private static double parseWeight(String text, String arg) {
            try {
                return Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("weight in '" + arg + "' is not a number");
            }
        }
    }

    @Command(name = "status", description = "Print the catalog's epoch, shards, any unfinished resharding and"
            + " whether each shard takes writes.")
    static final class Status implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            RouterConfig c = config.load();
            try (TopologyCatalog catalog = TopologyCatalog.connect(config.catalog(c))) {
                CatalogSnapshot s = catalog.snapshot();
                PrintWriter out = spec.commandLine().getOut();
                out.printf("epoch %d, %s, shards %s%n", s.epoch(), s.layout().map(l -> "token layout version "
                        + l.version() + " (" + l.tokensPerUnit() + " tokens per unit of weight)")
                        .orElse(s.vnodes() + " vnodes per unit of weight"), s.members());
                out.printf("sharded tables: %s%n", catalog.tables().stream().map(ShardedTable::name).toList());
                if (s.target().isPresent()) {
                    Map<MoveState, Integer> states = new EnumMap<>(MoveState.class);
                    for (CatalogMove m : s.moves()) {
                        states.merge(m.state(), 1, Integer::sum);
                    }
                    out.printf("unfinished resharding to %s: %s (run it again to resume)%n", s.target().get(), states);
                } else {
                    out.println("no resharding in progress");
                }
                Set<String> shards = new TreeSet<>(s.members().keySet());
                s.target().ifPresent(t -> shards.addAll(t.keySet()));
                for (String name : shards) {
                    out.println(gate(name, c, s.epoch()));
                }
                return 0;
            }
        }
    }

    /** Whether a shard takes writes: a minimum epoch above the catalog's means a cutover was interrupted. */
    static String gate(String name, RouterConfig config, long catalogEpoch) {
        ShardSpec shard = config.topology().shard(name).orElse(null);
        if (shard == null) {
            return "shard '" + name + "': not defined in this configuration";
        }
        try (Connection c = DirectConnections.open(shard.primary(), "ringroute-reshard-cli")) {
            long min = WriteFence.minimumEpoch(c);
            return min > catalogEpoch ? "shard '" + name + "' REFUSES WRITES: its minimum epoch " + min + " is above"
                    + " the catalog epoch " + catalogEpoch + " (a resharding cutover was interrupted): run"
                    + " `run --resume`" : "shard '" + name + "': takes writes from epoch " + min + " on";
        } catch (SQLException e) {
            return "shard '" + name + "': primary unreachable (" + e.getMessage() + ")";
        }
    }

    @Command(name = "plan", description = "Dry run: print the moving ranges and the rows they hold now.")
    static final class Plan implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Mixin
        ChangeOptions change = new ChangeOptions();
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            RouterConfig c = config.load();
            Resharder resharder = Resharder.builder().catalog(config.catalog(c)).shards(c.topology()).build();
            ReshardPlan plan = resharder.plan(change.target(resharder.currentMembers(), c));
            spec.commandLine().getOut().print(plan.describe());
            return 0;
        }
    }

    @Command(name = "run", description = "Reshard online (or resume an unfinished run to the same target).")
    static final class Run implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Mixin
        ChangeOptions change = new ChangeOptions();
        @Option(names = "--resume", description = "resume the recorded unfinished resharding (no change options)")
        boolean resume;
        @Option(names = "--batch-size", defaultValue = "100000",
                description = "rows per COPY segment and per delete statement")
        int batchSize;
        @Option(names = "--ranges-per-cutover", defaultValue = "16",
                description = "most ranges handed over under one fence")
        int rangesPerCutover;
        @Option(names = "--max-rows-per-second", defaultValue = "0",
                description = "limit on rows copied and deleted per second, to protect foreground writers"
                        + " (0: unlimited)")
        int maxRowsPerSecond;
        @Option(names = "--cleanup-grace-ms", defaultValue = "2000",
                description = "wait after a hand-over before deleting the old copies")
        long graceMillis;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (maxRowsPerSecond < 0) {
                throw new IllegalArgumentException("--max-rows-per-second must be >= 0 (0: unlimited), was "
                        + maxRowsPerSecond);
            }
            RouterConfig c = config.load();
            CatalogSpec catalogSpec = config.catalog(c);
            Map<String, Double> target;
            try (TopologyCatalog catalog = TopologyCatalog.connect(catalogSpec)) {
                CatalogSnapshot s = catalog.snapshot();
                if (resume) {
                    target = s.target().orElseThrow(() -> new IllegalStateException("no resharding to resume"));
                } else {
                    target = change.target(s.members(), c);
                }
            }
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("resharding").setUnit(" rows", 1)
                    .setStyle(ProgressBarStyle.ASCII).setInitialMax(1).continuousUpdate().build()) {
                Resharder resharder = Resharder.builder().catalog(catalogSpec).shards(c.topology())
                        .batchSize(batchSize).rangesPerCutover(rangesPerCutover).maxRowsPerSecond(maxRowsPerSecond)
                        .cleanupGrace(Duration.ofMillis(graceMillis)).listener(p -> {
                            bar.maxHint(Math.max(1, p.rowsTotal()));
                            bar.stepTo(Math.min(p.rowsDone(), Math.max(1, p.rowsTotal())));
                            bar.setExtraMessage(String.format(" %s ranges %d/%d %.0f rows/s", p.phase(),
                                    p.rangesDone(), p.rangesTotal(), p.rowsPerSecond()));
                        }).build();
                ReshardResult r = resharder.run(target);
                bar.stepTo(bar.getMax());
                spec.commandLine().getOut().printf("%ndone: epoch %d, %d ranges in %d cutovers, %d rows copied,"
                                + " %d re-copied, %d deleted in %.1f s, longest cutover %d ms%n", r.epoch(),
                        r.ranges(), r.fencePauses().size(), r.rowsCopied(), r.rowsCaughtUp(), r.rowsDeleted(),
                        r.duration().toMillis() / 1000.0, r.maxFencePause().toMillis());
            }
            return 0;
        }
    }

    @Command(name = "register-table", description = "Register a sharded table; optionally add its token column.")
    static final class RegisterTable implements Callable<Integer> {
        @Mixin
        ConfigOption config = new ConfigOption();
        @Option(names = "--table", required = true)
        String table;
        @Option(names = "--key-column", required = true)
        String keyColumn;
        @Option(names = "--primary-key", required = true, split = ",")
        List<String> primaryKey;
        @Option(names = "--token-column", defaultValue = "ring_token")
        String tokenColumn;
        @Option(names = "--add-column", description = "add, fill and index the token column on every shard")
        boolean addColumn;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            RouterConfig c = config.load();
            ShardedTable t = new ShardedTable(table, keyColumn, tokenColumn, primaryKey);
            for (ShardSpec shard : c.topology().shards()) {
                try (Connection conn = DirectConnections.open(shard.primary(), "ringroute-reshard-cli")) {
                    if (addColumn) {
                        t.addTokenColumn(conn);
                    }
                    t.requirePresent(conn, shard.name());
                }
            }
            try (TopologyCatalog catalog = TopologyCatalog.connect(config.catalog(c))) {
                catalog.initialize(c.topology());
                catalog.registerTable(t);
            }
            spec.commandLine().getOut().printf("registered %s (key %s, token %s, primary key %s)%n", t.name(),
                    t.keyColumn(), t.tokenColumn(), t.primaryKey());
            return 0;
        }
    }
}
