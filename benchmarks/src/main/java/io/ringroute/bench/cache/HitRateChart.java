package io.ringroute.bench.cache;

import java.util.List;
import java.util.Locale;

/** A self-contained SVG line chart of hit rate over time, one line per scenario, with dashed event markers. */
final class HitRateChart {

    private static final String[] COLORS = {"#1b7f3b", "#d97706", "#b91c1c", "#1d4ed8"};
    private static final int W = 860;
    private static final int H = 420;
    private static final int LEFT = 60;
    private static final int RIGHT = 200;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    /** A line: its label and hit rates per bucket (NaN for an empty bucket). */
    record Series(String label, double[] hitRates) {
    }

    /** A moment worth a vertical line, such as the start of a membership change. */
    record Marker(String label, double atSeconds) {
    }

    private HitRateChart() {
    }

    static String svg(String title, List<Series> series, double bucketSeconds, List<Marker> markers) {
        int n = series.get(0).hitRates().length;
        double span = n * bucketSeconds;
        double plotW = W - LEFT - RIGHT;
        double plotH = H - TOP - BOTTOM;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>%n", LEFT,
                escape(title)));
        for (int pct = 0; pct <= 100; pct += 20) {
            double y = TOP + plotH * (1 - pct / 100.0);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>%n", LEFT, y, LEFT + plotW, y,
                    LEFT - 6, y + 4, pct));
        }
        for (int sec = 0; sec <= span; sec++) {
            double x = LEFT + plotW * sec / span;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", x,
                    H - BOTTOM + 16, sec));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">seconds</text>%n",
                LEFT + plotW / 2, H - 12));
        for (int m = 0; m < markers.size(); m++) {
            double cx = LEFT + plotW * markers.get(m).atSeconds() / span;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#555\" stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>%n", cx, TOP,
                    cx, TOP + plotH, cx + 4, TOP + plotH - 8 - 16.0 * m, escape(markers.get(m).label())));
        }
        for (int i = 0; i < series.size(); i++) {
            Series line = series.get(i);
            StringBuilder points = new StringBuilder();
            for (int b = 0; b < n; b++) {
                double v = line.hitRates()[b];
                if (!Double.isNaN(v)) {
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + plotW * (b + 0.5) / n,
                            TOP + plotH * (1 - v)));
                }
            }
            String color = COLORS[i % COLORS.length];
            s.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                    + "points=\"%s\"/>%n", color, points.toString().trim()));
            double ly = TOP + 20 + i * 20;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"%s\" stroke-width=\"3\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>%n", W - RIGHT + 15.0,
                    ly, W - RIGHT + 40.0, ly, color, W - RIGHT + 46.0, ly + 4, escape(line.label())));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
