package io.ringroute.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HarnessCliTest {

    @TempDir
    Path dir;

    /** Exit code, stdout and stderr of one harness run. */
    private record Outcome(int code, String out, String err) {
    }

    private static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Harness.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Outcome(code, out.toString(), err.toString());
    }

    private static void assertRejected(Outcome o, String message) {
        assertThat(o.code()).as(o.err()).isNotZero();
        assertThat(o.err()).contains(message);
        assertThat(o.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void movementPrintsTheTableAndWritesCsvAndHtml() throws IOException {
        Outcome o = run("movement", "-n", "3", "--keys", "2000", "--vnodes", "16", "--out", dir.toString());
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.out()).contains("3 -> 4 nodes (add node-3)").contains("modulo").contains("ring-v16")
                .contains("moved/ideal");
        String csv = Files.readString(dir.resolve("movement.csv"));
        assertThat(csv).startsWith("scheme,R,moved,");
        assertThat(csv).contains("\r\nmodulo,1,0.7").doesNotContain(",-,");
        // header, 5 primary-only schemes, rendezvous, the ring and three allocated rings at R = 1..3
        assertThat(csv.lines()).hasSize(1 + 5 + 3 + 3 + 3 * 3);
        assertThat(Files.readString(dir.resolve("movement.html"))).contains("<svg").contains("</html>");
    }

    @Test
    void balancePrintsExactAndSampledFiguresAndWritesItsFiles() throws IOException {
        Outcome o = run("balance", "-n", "5", "--keys", "2000", "--schemes", "ring,jump", "--vnodes", "1,64",
                "--out", dir.toString());
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.out()).contains("peak/mean exact").contains("ring-v64").contains("jump");
        assertThat(Files.readString(dir.resolve("balance-nodes.csv")).lines()).hasSize(1 + 3 * 5);
        assertThat(Files.readString(dir.resolve("balance.html"))).contains("<svg");
    }

    @Test
    void growthRecordsEveryStepForRingsAndWritesCsvAndSvg() throws IOException {
        Outcome o = run("growth", "--to", "8", "--keys", "2000", "--schemes", "alloc,jump", "--alloc-tokens", "8",
                "--remove-fraction", "0.25", "--out", dir.toString());
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.out()).contains("alloc-t8").contains("jump").contains("after restore");
        List<String> csv = Files.readString(dir.resolve("growth.csv")).lines().toList();
        assertThat(csv.get(0)).isEqualTo("scheme,phase,n,r,peak/mean,exact,moved");
        // alloc: N = 3..8 at R = 1..3 (R = 3 only from N = 3 on), 2 removals, 1 restore; jump: N = 3..8 and 1 removal
        assertThat(csv.stream().filter(l -> l.startsWith("alloc-t8,grow,"))).hasSize(6 * 3);
        assertThat(csv.stream().filter(l -> l.startsWith("alloc-t8,restore,"))).hasSize(3);
        assertThat(csv.stream().filter(l -> l.startsWith("jump,grow,"))).hasSize(6);
        assertThat(Files.readString(dir.resolve("growth.svg"))).startsWith("<svg").contains("alloc-t8");
        assertRejected(run("growth", "--from", "5", "--to", "4"), "need 1 <= --from <= --to");
    }

    @Test
    void keysComeFromAFileWhenOneIsGiven() throws IOException {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, "user:1\nuser:2\n\nuser:3\n", StandardCharsets.UTF_8);
        Outcome o = run("balance", "-n", "2", "--key-file", file.toString(), "--schemes", "modulo");
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.out()).contains("3 keys from " + file);
    }

    @Test
    void zeroNodesIsRejected() {
        assertRejected(run("movement", "-n", "0", "--keys", "10"), "--nodes must be >= 1, was 0");
        assertRejected(run("balance", "-n", "10,0", "--keys", "10"), "--nodes values must be >= 1, was 0");
    }

    @Test
    void removingAllNodesOrMoreIsRejected() {
        assertRejected(run("movement", "-n", "3", "--remove", "3", "--keys", "10"), "cannot remove 3 of 3 nodes");
        assertRejected(run("movement", "-n", "3", "--remove", "5", "--keys", "10"), "cannot remove 5 of 3 nodes");
        assertRejected(run("movement", "-n", "3", "--remove-ids", "node-7", "--keys", "10"),
                "cannot remove [node-7]: no such node");
    }

    @Test
    void anEmptyKeyFileIsRejected() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n");
        assertRejected(run("movement", "--key-file", empty.toString()), "has no keys");
    }

    @Test
    void anUnreadableKeyFileIsRejected() throws IOException {
        assertRejected(run("movement", "--key-file", dir.resolve("missing.txt").toString()),
                "does not exist or is not a regular file");
        assertRejected(run("balance", "--key-file", dir.toString()), "does not exist or is not a regular file");
        Path binary = Files.write(dir.resolve("binary.txt"), new byte[] {(byte) 0xC3, (byte) 0x28, '\n'});
        assertRejected(run("balance", "--key-file", binary.toString()), "is not valid UTF-8");
    }

    @Test
    void aVnodeCountBelowOneIsRejected() {
        assertRejected(run("balance", "--vnodes", "16,0", "--keys", "10"), "--vnodes values must be >= 1, was 0");
    }

    @Test
    void badValuesAreNamed() {
        assertRejected(run("movement", "--schemes", "maglev", "--keys", "10"), "unknown scheme 'maglev'");
        assertRejected(run("movement", "--reweight", "node-1=-2", "--keys", "10"),
                "the weight of node-1 must be finite and > 0, was -2.0");
        assertRejected(run("movement", "--replicas", "0", "--keys", "10"), "--replicas must be >= 1, was 0");
        assertRejected(run("balance", "--keys", "0"), "the number of keys must be >= 1, was 0");
    }

    @Test
    void unparseableOptionsExitWithTwoAndTheUsage() {
        Outcome o = run("movement", "-n", "ten");
        assertRejected(o, "'ten'");
        assertThat(o.code()).isEqualTo(2);
        assertThat(o.err()).contains("Usage:");
        assertRejected(run("movement", "--add", "1", "--remove", "1"), "mutually exclusive");
    }

    @Test
    void helpDescribesBothCommands() {
        Outcome o = run("--help");
        assertThat(o.code()).isZero();
        assertThat(o.out()).contains("movement").contains("balance");
        assertThat(run("movement", "--help").out()).contains("--remove-ids").contains("--key-file");
    }
}
