package io.ringroute.bench.harness;

import java.util.Locale;

/** Number formats shared by the reports: NaN prints as "-". */
final class Numbers {

    private Numbers() {
    }

    static String fixed(double v, int digits) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    static String bytes(long b) {
        if (b < 0) {
            return "-";
        }
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
    }
}
