package io.ringroute.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableTest {

    private final Table table = new Table("scheme", "moved").row("ring, v256", "0.0991").row("jump \"guava\"", "-");

    @Test
    void csvQuotesCellsWithCommasOrQuotesAndLeavesMissingFiguresEmpty() {
        assertThat(table.toCsv()).isEqualTo("scheme,moved\r\n\"ring, v256\",0.0991\r\n\"jump \"\"guava\"\"\",\r\n");
    }

    @Test
    void textAlignsNamesLeftAndFiguresRight() {
        assertThat(table.toText().lines()).containsExactly(
                "scheme         moved",
                "------------  ------",
                "ring, v256    0.0991",
                "jump \"guava\"       -");
    }

    @Test
    void htmlEscapesCells() {
        assertThat(new Table("a").row("<b>&").toHtml()).contains("<td>&lt;b&gt;&amp;</td>");
    }

    @Test
    void aRowOfTheWrongWidthIsRejected() {
        assertThatThrownBy(() -> table.row("only one")).hasMessageContaining("1 cells for 2 columns");
    }
}
