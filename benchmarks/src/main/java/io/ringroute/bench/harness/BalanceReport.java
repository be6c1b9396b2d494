package io.ringroute.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders balance rows as tables and a chart. */
final class BalanceReport {

    private BalanceReport() {
    }

    static Table summary(List<BalanceRow> rows, int digits) {
        Table t = new Table("N", "scheme", "peak/mean", "peak/mean exact", "min/mean", "min/mean exact", "rel SD",
                "rel SD exact", "memory (est.)");
        for (BalanceRow r : rows) {
            t.row(Integer.toString(r.nodes()), r.scheme(),
                    Numbers.fixed(r.sampled().peakToMean(), digits), Numbers.fixed(r.exact().peakToMean(), digits),
                    Numbers.fixed(r.sampled().minToMean(), digits), Numbers.fixed(r.exact().minToMean(), digits),
                    Numbers.fixed(r.sampled().relStdDev(), digits), Numbers.fixed(r.exact().relStdDev(), digits),
                    Numbers.bytes(r.estimatedBytes()));
        }
        return t;
    }

    /** One line per node and scheme: the sampled share and, for the ring, the exact one. */
    static Table perNode(List<BalanceRow> rows) {
        Table t = new Table("N", "scheme", "node", "sampled share", "exact share");
        for (BalanceRow r : rows) {
            for (int i = 0; i < r.ids().size(); i++) {
                t.row(Integer.toString(r.nodes()), r.scheme(), r.ids().get(i),
                        String.format(Locale.ROOT, "%.8f", r.sampledShares()[i]),
                        r.exactShares().length == 0 ? "" : String.format(Locale.ROOT, "%.8f", r.exactShares()[i]));
            }
        }
        return t;
    }

    static String html(KeySample keys, List<BalanceRow> rows) {
        Html html = new Html("Load balance: peak/mean share per scheme");
        html.paragraph("Keys: " + keys.source() + ". Bars: peak/mean of the sampled shares (1 is perfect); the red "
                + "tick is the ring's exact peak/mean from arc lengths. Sampling alone adds a relative spread of about "
                + "sqrt(N / keys). Memory is an estimate from array lengths and element sizes.");
        List<Integer> counts = rows.stream().map(BalanceRow::nodes).distinct().toList();
        for (int n : counts) {
            List<Html.Bar> bars = new ArrayList<>();
            for (BalanceRow r : rows) {
                if (r.nodes() == n) {
                    bars.add(new Html.Bar(r.scheme(), r.sampled().peakToMean(), r.exact().peakToMean()));
                }
            }
            html.heading("N = " + n);
            html.barChart(bars, "peak/mean (sampled)", "exact (ring)");
        }
        return html.table(summary(rows, 4)).render();
    }
}
