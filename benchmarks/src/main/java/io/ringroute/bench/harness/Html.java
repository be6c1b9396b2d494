package io.ringroute.bench.harness;

import java.util.List;
import java.util.Locale;

/**
 * A self-contained HTML report: tables and horizontal bar charts drawn as inline SVG, no scripts, no external
 * files, so it opens in any browser from disk.
 */
public final class Html {

    private final StringBuilder body = new StringBuilder();
    private final String title;

    public Html(String title) {
        this.title = title;
    }

    /** One bar: its label, its length, and an optional reference mark (NaN for none). */
    public record Bar(String label, double value, double mark) {
    }

    public Html paragraph(String text) {
        body.append("<p>").append(escape(text)).append("</p>\n");
        return this;
    }

    public Html heading(String text) {
        body.append("<h2>").append(escape(text)).append("</h2>\n");
        return this;
    }

    /** Appends markup as given (an SVG chart drawn elsewhere). */
    public Html raw(String markup) {
        body.append(markup);
        return this;
    }

    public Html table(Table table) {
        body.append(table.toHtml());
        return this;
    }

    /** Bars scaled to the largest value or mark; marks are drawn as red ticks, explained by {@code markLegend}. */
    public Html barChart(List<Bar> bars, String valueLegend, String markLegend) {
        int labelWidth = 150;
        int plotWidth = 520;
        int rowHeight = 22;
        int top = 28;
        double max = 0;
        for (Bar b : bars) {
            max = Math.max(max, b.value());
            if (!Double.isNaN(b.mark())) {
                max = Math.max(max, b.mark());
            }
        }
        if (!(max > 0)) {
            max = 1;
        }
        int height = top + rowHeight * bars.size() + 10;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", labelWidth + plotWidth + 80, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\">%s%s</text>%n", labelWidth,
                escape("bars: " + valueLegend), markLegend == null ? "" : escape("; red ticks: " + markLegend)));
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            int y = top + i * rowHeight;
            double w = Double.isNaN(b.value()) ? 0 : b.value() / max * plotWidth;
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    labelWidth - 6, y + 14, escape(b.label())));
            svg.append(String.format(Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#4a7ab5\"/>%n", labelWidth, y + 2, w));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>%n", labelWidth + w + 4, y + 14,
                    Double.isNaN(b.value()) ? "n/a" : String.format(Locale.ROOT, "%.4f", b.value())));
            if (!Double.isNaN(b.mark())) {
                double x = labelWidth + b.mark() / max * plotWidth;
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                        + "stroke=\"#c0392b\" stroke-width=\"3\"/>%n", x, y, x, y + 20));
            }
        }
        body.append(svg).append("</svg>\n");
        return this;
    }

    public String render() {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
                + "margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
                + "td:first-child,th:first-child{text-align:left}</style></head>\n<body>\n<h1>" + escape(title)
                + "</h1>\n" + body + "</body></html>\n";
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
