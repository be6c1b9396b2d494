package io.ringroute.bench.harness;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A table of text cells rendered for the terminal, as CSV, or as HTML. */
public final class Table {

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... headers) {
        this.headers = List.of(headers);
    }

    public Table row(String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells for " + headers.size()
                    + " columns: " + Arrays.toString(cells));
        }
        rows.add(List.of(cells));
        return this;
    }

    public List<List<String>> rows() {
        return rows;
    }

    /** Columns padded to their widest cell; the first left-aligned, the rest right-aligned (numbers). */
    public String toText() {
        int[] width = new int[headers.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = headers.get(c).length();
            for (List<String> r : rows) {
                width[c] = Math.max(width[c], r.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        appendLine(out, headers, width);
        for (int c = 0; c < width.length; c++) {
            out.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
        }
        out.append('\n');
        rows.forEach(r -> appendLine(out, r, width));
        return out.toString();
    }

    private static void appendLine(StringBuilder out, List<String> cells, int[] width) {
        for (int c = 0; c < width.length; c++) {
            String cell = cells.get(c);
            String pad = " ".repeat(width[c] - cell.length());
            out.append(c == 0 ? "" : "  ").append(c == 0 ? cell + pad : pad + cell);
        }
        out.append('\n');
    }

    /** RFC 4180: cells with a comma, quote or line break are quoted; "-" (no figure) becomes an empty cell. */
    public String toCsv() {
        StringBuilder out = new StringBuilder();
        out.append(csvLine(headers));
        rows.forEach(r -> out.append(csvLine(r)));
        return out.toString();
    }

    private static String csvLine(List<String> cells) {
        List<String> quoted = new ArrayList<>();
        for (String cell : cells) {
            String c = cell.equals("-") ? "" : cell;
            quoted.add(c.contains(",") || c.contains("\"") || c.contains("\n")
                    ? '"' + c.replace("\"", "\"\"") + '"' : c);
        }
        return String.join(",", quoted) + "\r\n";
    }

    public String toHtml() {
        StringBuilder out = new StringBuilder("<table>\n<tr>");
        headers.forEach(h -> out.append("<th>").append(Html.escape(h)).append("</th>"));
        out.append("</tr>\n");
        for (List<String> r : rows) {
            out.append("<tr>");
            r.forEach(c -> out.append("<td>").append(Html.escape(c)).append("</td>"));
            out.append("</tr>\n");
        }
        return out.append("</table>\n").toString();
    }
}
