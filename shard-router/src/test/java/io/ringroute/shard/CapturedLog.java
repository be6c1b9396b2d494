package io.ringroute.shard;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What is logged while it is open: slf4j-simple writes to {@link System#err}, which this tees into a buffer (the
 * test's log stays where it was).
 */
final class CapturedLog implements AutoCloseable {

    private final PrintStream saved = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    CapturedLog() {
        System.setErr(new PrintStream(new Tee(), true, StandardCharsets.UTF_8));
    }

    /** The lines logged so far by {@code logger}'s class. */
    List<String> linesOf(Class<?> logger) {
        String text;
        synchronized (copy) {
            text = copy.toString(StandardCharsets.UTF_8);
        }
        return text.lines().filter(l -> l.contains(logger.getName())).toList();
    }

    @Override
    public void close() {
        System.setErr(saved);
    }

    /** Writes to the saved stream and the copy. */
    private final class Tee extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            synchronized (copy) {
                saved.write(b);
                copy.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (copy) {
                saved.write(b, off, len);
                copy.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            saved.flush();
        }
    }
}
