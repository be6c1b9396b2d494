package io.ringroute.bench.harness;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** An SVG line chart of peak/mean against N (log scale), one panel per r, one line per scheme; growth phase only. */
final class GrowthChart {

    private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000"};
    private static final int WIDTH = 760;
    private static final int PANEL = 260;
    private static final int LEFT = 60;
    private static final int PLOT = 520;
    private static final double Y_MAX = 1.6;

    private GrowthChart() {
    }

    static String svg(List<GrowthRun.Row> rows, int from, int to) {
        Map<String, Integer> colour = new LinkedHashMap<>();
        rows.forEach(r -> colour.putIfAbsent(r.scheme(), colour.size() % COLOURS.length));
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">%n", WIDTH, 3 * PANEL + 20));
        for (int r = 1; r <= 3; r++) {
            int top = (r - 1) * PANEL + 20;
            int bottom = top + PANEL - 40;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"13\">peak/mean, R = %d "
                    + "(y clipped at %.1f)</text>%n", LEFT, top - 4, r, Y_MAX));
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                    + "stroke=\"#999\"/>%n", LEFT, top, PLOT, bottom - top));
            for (double y = 1.0; y <= Y_MAX + 1e-9; y += 0.1) {
                double py = yOf(y, top, bottom);
                s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                        + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>%n", LEFT, py, LEFT + PLOT, py,
                        LEFT - 4, py + 4, y));
            }
            for (int n = 1; n <= to; n *= 10) {
                if (n >= from) {
                    double px = xOf(n, from, to);
                    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">N=%d</text>%n",
                            px, bottom + 14, n));
                }
            }
            int legend = 0;
            for (Map.Entry<String, Integer> e : colour.entrySet()) {
                StringBuilder points = new StringBuilder();
                for (GrowthRun.Row row : rows) {
                    if (row.scheme().equals(e.getKey()) && row.r() == r && row.phase().equals("grow")) {
                        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", xOf(row.n(), from, to),
                                yOf(Math.min(row.peakToMean(), Y_MAX), top, bottom)));
                    }
                }
                if (points.length() == 0) {
                    continue;
                }
                String c = COLOURS[e.getValue()];
                s.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" "
                        + "points=\"%s\"/>%n", c, points.toString().trim()));
                s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                        + "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + PLOT + 12, top + 4 + legend * 15, c,
                        LEFT + PLOT + 26, top + 13 + legend * 15, Html.escape(e.getKey())));
                legend++;
            }
        }
        return s.append("</svg>\n").toString();
    }

    private static double xOf(int n, int from, int to) {
        double span = Math.log(to) - Math.log(Math.max(1, from));
        return LEFT + (span <= 0 ? 0 : (Math.log(n) - Math.log(Math.max(1, from))) / span * PLOT);
    }

    private static double yOf(double v, int top, int bottom) {
        return bottom - (v - 1.0) / (Y_MAX - 1.0) * (bottom - top);
    }
}
