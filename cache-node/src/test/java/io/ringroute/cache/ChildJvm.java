package io.ringroute.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringroute.cache.node.CacheNode;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Another client process for tests: a child JVM running a {@code main} of this module's tests with the nodes as
 * {@code id=address} arguments, told what to do one line at a time on its stdin and answering one line per request
 * on its stdout. It should exit when its stdin closes, so it also ends if the test dies; {@link #close()} kills it.
 */
final class ChildJvm implements AutoCloseable {

    private final Path out;
    private final Process process;
    private final Writer commands;
    private int sent;

    ChildJvm(Class<?> main, List<CacheNode> nodes) throws IOException {
        out = Files.createTempFile("cache-child", ".out");
        List<String> command = new ArrayList<>(TestNodes.javaCommand(main));
        nodes.forEach(n -> command.add(n.name() + "=" + n.address()));
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /**
     * Sends one request and waits (at most {@code bound}) for its answer: the child's next output line starting
     * with one of {@code answers}; fails naming the child's whole output if none comes.
     */
    String ask(String line, Duration bound, String... answers) throws IOException {
        commands.write(line + "\n");
        commands.flush();
        int n = ++sent;
        await().atMost(bound).until(() -> answers(answers).size() >= n || !process.isAlive());
        List<String> got = answers(answers);
        assertThat(got).as("the child's output: %s", Files.readString(out)).hasSizeGreaterThanOrEqualTo(n);
        return got.get(n - 1);
    }

    private List<String> answers(String... prefixes) throws IOException {
        return Files.readAllLines(out, StandardCharsets.UTF_8).stream()
                .filter(l -> List.of(prefixes).stream().anyMatch(l::startsWith)).toList();
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(out);
    }
}
