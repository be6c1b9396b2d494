package io.ringroute.demo.ops;

/**
 * A topology change as the page shows it while it runs: what it is, how far it is, and how it ended.
 *
 * @param done   units done (ranges, entries or rows: see {@code unit})
 * @param total  units to do, never below {@code done}; 0 while unknown
 * @param state  "running", "done" or "failed"
 */
public record Progress(String what, String unit, long done, long total, String state, String message,
                       long startedAtMillis, long endedAtMillis) {
    public static Progress started(String what, String unit) {
        return new Progress(what, unit, 0, 0, "running", "", System.currentTimeMillis(), 0);
    }

    public Progress advanced(long done, long total, String message) {
        return new Progress(what, unit, done, total == 0 ? 0 : Math.max(done, total), state, message,
                startedAtMillis, endedAtMillis);
    }

    public Progress finished(String message) {
        return new Progress(what, unit, total == 0 ? done : total, total, "done", message, startedAtMillis,
                System.currentTimeMillis());
    }

    public Progress failed(String message) {
        return new Progress(what, unit, done, total, "failed", message, startedAtMillis, System.currentTimeMillis());
    }

    public boolean running() {
        return "running".equals(state);
    }
}
