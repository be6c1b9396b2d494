package io.ringroute.bench.harness;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The key-movement and balance harness: {@code harness movement|balance|growth ...}. */
@Command(name = "harness", mixinStandardHelpOptions = true,
        subcommands = {MovementCommand.class, BalanceCommand.class, GrowthCommand.class,
                CommandLine.HelpCommand.class},
        description = "Measures key movement and load balance of consistent-hashing schemes: modulo, jump "
                + "(Guava), JumpBackHash and JumpBackAnchorHash (hash4j), rendezvous, ketama (spymemcached) and "
                + "the ringroute ring at several vnode counts, all on the same keys.")
public final class Harness implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a command: movement, balance or growth");
    }

    /**
     * Runs the harness with the given arguments.
     *
     * @return the exit code: 0 on success, 1 for a bad request found while running (a message on {@code err}, no
     *         stack trace), 2 for unparseable options
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Harness());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof HarnessException) {
                cmd.getErr().println("error: " + ex.getMessage());
                cmd.getErr().flush();
                return 1;
            }
            throw ex;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }
}
