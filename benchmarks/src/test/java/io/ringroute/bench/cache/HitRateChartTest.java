package io.ringroute.bench.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class HitRateChartTest {

    @Test
    void chartIsWellFormedSvgWithOneLinePerSeriesSkippingEmptyBuckets() throws Exception {
        String svg = HitRateChart.svg("a <title> & more", List.of(
                new HitRateChart.Series("warm", new double[] {1.0, 1.0, Double.NaN, 1.0}),
                new HitRateChart.Series("cold", new double[] {1.0, 0.8, 0.85, 0.9})), 0.5,
                List.of(new HitRateChart.Marker("added", 1.0)));
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(doc.getElementsByTagName("polyline").getLength()).isEqualTo(2);
        String warmPoints = doc.getElementsByTagName("polyline").item(0).getAttributes().getNamedItem("points")
                .getNodeValue();
        assertThat(warmPoints.split(" ")).hasSize(3);
        assertThat(svg).contains("a &lt;title&gt; &amp; more");
    }

    @Test
    void timelineCountsHitsInTheBucketOfTheirTime() {
        HitRateTimeline t = new HitRateTimeline(System.nanoTime(), 60_000, 2);
        t.record(true);
        t.record(true);
        t.record(false);
        assertThat(t.hitRate(0)).isEqualTo(2 / 3.0);
        assertThat(t.reads(0)).isEqualTo(3);
        assertThat(t.hitRate(1)).isNaN();
    }
}
