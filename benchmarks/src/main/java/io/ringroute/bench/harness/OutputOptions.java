package io.ringroute.bench.harness;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Option;

/** Report files and the progress bar. */
final class OutputOptions {

    @Option(names = "--out", paramLabel = "DIR",
            description = "Also write the CSV files and a self-contained HTML chart into DIR (created if missing).")
    Path dir;

    @Option(names = "--progress", negatable = true,
            description = "Show a progress bar on stderr (default: only when attached to a terminal).")
    Boolean progress;

    Progress progress(String task, long total) {
        boolean show = progress != null ? progress : System.console() != null;
        return show ? Progress.bar(task, total) : Progress.NONE;
    }

    /** Writes a report file through a temporary file and a rename, so a failure leaves no half-written file. */
    void write(String fileName, String content, PrintWriter out) {
        if (dir == null) {
            return;
        }
        Path target = dir.resolve(fileName);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, fileName, ".tmp");
            try {
                Files.writeString(tmp, content, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new HarnessException("cannot write " + target + ": " + e);
        }
        out.println("wrote " + target);
    }
}
