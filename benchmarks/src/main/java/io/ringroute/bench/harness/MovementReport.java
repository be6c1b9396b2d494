package io.ringroute.bench.harness;

import java.util.ArrayList;
import java.util.List;

/** Renders movement rows as a table and a chart. */
final class MovementReport {

    private MovementReport() {
    }

    static Table table(List<MovementRow> rows, int digits) {
        Table t = new Table("scheme", "R", "moved", "+-", "exact", "ideal", "moved/ideal", "unchanged->unchanged",
                "note");
        for (MovementRow r : rows) {
            t.row(r.scheme(), Integer.toString(r.replicas()), Numbers.fixed(r.moved(), digits),
                    Numbers.fixed(r.standardError(), digits), Numbers.fixed(r.exact(), digits),
                    Numbers.fixed(r.ideal(), digits), Numbers.fixed(r.ratioToIdeal(), 3),
                    Numbers.fixed(r.betweenUnchanged(), digits), r.note());
        }
        return t;
    }

    static String html(Scenario scenario, KeySample keys, List<MovementRow> rows) {
        Html html = new Html("Key movement: " + scenario.description());
        html.paragraph("Keys: " + keys.source() + ". 'moved' is the sampled share of keys whose owner (R = 1) or "
                + "replica set (R > 1) changed; 'exact' comes from the ring's RebalancePlan; 'ideal' is the least a "
                + "scheme that keeps shares proportional to weight must move; 'unchanged->unchanged' counts keys that moved without an added, removed or "
                + "re-weighted node involved (0 for a consistent scheme).");
        int maxR = rows.stream().mapToInt(MovementRow::replicas).max().orElse(1);
        for (int r = 1; r <= maxR; r++) {
            List<Html.Bar> bars = new ArrayList<>();
            for (MovementRow row : rows) {
                if (row.replicas() == r) {
                    bars.add(new Html.Bar(row.scheme(), row.moved(), row.ideal()));
                }
            }
            html.heading(r == 1 ? "Primary owner (R = 1)" : "Replica sets, R = " + r);
            html.barChart(bars, "share of keys moved", "ideal");
        }
        return html.table(table(rows, 4)).render();
    }
}
