package io.ringroute.bench.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The CLI's options and refusals; nothing here starts a server (the full run is not part of the build). */
class ScaleBenchmarkCliTest {

    @Test
    void helpListsTheScaleOptions() {
        Run run = run("--help");
        assertThat(run.code).isZero();
        assertThat(run.out).contains("--users", "--posts", "--threads", "--rate", "--seconds", "--cache-entries",
                "--reshard-to", "--reshard-max-rows-per-second");
    }

    @Test
    void badValuesAreRefusedNamingTheOptionBeforeAnythingStarts() {
        Run run = run("--users", "1");
        assertThat(run.code).isEqualTo(1);
        assertThat(run.err).contains("--users must be 2 to 50,000,000, was 1").doesNotContain("Exception");
        assertThat(run("--users", "100", "--active-users", "200").err).contains("--active-users must be 2 to --users");
        assertThat(run("--threads", "0").err).contains("--threads must be 1 to 256");
        assertThat(run("--reshard-to", "3").err).contains("--reshard-to must be more than --shards, was 3");
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = ScaleBenchmark.run(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
