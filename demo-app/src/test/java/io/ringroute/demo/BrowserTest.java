package io.ringroute.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The page in headless Chromium (Debian's {@code chromium}): post and see the post, then open the operations view,
 * run the load, add a cache node and see the ring change and the charts draw a line per series with the change
 * marked. Screenshots go to the build directory. Without Chromium on the PATH the test is skipped and says why,
 * except in CI ({@code CI=true}), where a missing browser fails it: the only UI test must not vanish silently.
 */
@EnabledIf(value = "runs", disabledReason = BrowserTest.NO_CHROMIUM)
@ExtendWith(DemoStack.class)
class BrowserTest {
    static final String NO_CHROMIUM = "no chromium on the PATH (install it: apt-get install -y chromium)";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static final String P99_SEGMENTS = "((document.querySelector('#chart-latency path[data-series=p99]')"
            + " || {getAttribute: () => ''}).getAttribute('d') || '').split('L').length";
    private static final String[] CHARTS = {"chart-hit-rate", "chart-throughput", "chart-latency", "chart-lag",
        "chart-rows"};

    /**
     * Checked before the demo stack starts, so a machine without Chromium does not start it for nothing; in CI the
     * test runs anyway and fails on the missing browser.
     */
    static boolean runs() {
        if (Chromium.find().isPresent() || inCi()) {
            return true;
        }
        System.out.println("BrowserTest skipped: " + NO_CHROMIUM);
        return false;
    }

    private static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    @Test
    void postingShowsThePostAndAddingACacheNodeChangesTheDrawnRingAndIsMarkedOnTheCharts() throws Exception {
        Path binary = Chromium.find().orElseThrow(() -> new AssertionError("CI=true, but " + NO_CHROMIUM));
        Path out = Path.of(System.getProperty("demo.screenshotDir", "target"));
        Files.createDirectories(out);
        String url = "http://127.0.0.1:" + DemoStack.app().port() + "/#timeline";
        Http http = Http.anonymous();
        List<String> nodesAtStart = cacheNodeIds(http);

        try (Chromium chromium = Chromium.launch(binary)) {
            Chromium.Page page = chromium.open(url);
            page.waitFor("document.querySelectorAll('#user option').length > 0"
                    + " && document.querySelectorAll('#timeline li').length > 0", WAIT,
                    "document.body.innerText.slice(0, 500)");

            page.eval("window.cspViolations = []; document.addEventListener('securitypolicyviolation',"
                    + " (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI)); true");
            page.eval("const t = document.getElementById('post-text'); t.value = 'x'.repeat(280) + '\\u00a0\\u200b';"
                    + " t.dispatchEvent(new Event('input')); true");
            assertThat(page.eval("document.getElementById('post-count').textContent").asText())
                    .as("the page counts as the server does").isEqualTo("280 / 280");

            String text = "hello from chromium " + System.nanoTime();
            page.eval("document.getElementById('post-text').value = '" + text + "';"
                    + " document.getElementById('post-button').click(); true");
            page.waitFor("[...document.querySelectorAll('#timeline li .text')].some(e => e.textContent === '"
                    + text + "')", WAIT, "document.getElementById('error').textContent"
                    + " + ' | ' + document.getElementById('timeline').innerText.slice(0, 300)");
            Files.write(out.resolve("demo-timeline.png"), page.screenshot());

            page.eval("location.hash = '#ops'; true");
            page.waitFor("document.getElementById('cache-ring').dataset.nodes", WAIT,
                    "document.getElementById('error').textContent");
            String before = page.eval("document.getElementById('cache-ring').dataset.nodes").asText();
            int arcsBefore = page.eval("document.querySelectorAll('#cache-ring path').length").asInt();

            page.eval("document.getElementById('load-rate').value = '40';"
                    + " document.getElementById('load-start').click(); true");
            page.eval("document.getElementById('add-cache-node').click(); true");
            int nodesBefore = before.split(",").length;
            page.waitFor("document.getElementById('cache-ring').dataset.nodes.split(',').length === "
                    + (nodesBefore + 1) + " && document.getElementById('cache-change').textContent.includes('done')",
                    WAIT, "document.getElementById('error').textContent + ' | '"
                            + " + document.getElementById('cache-change').textContent");
            String after = page.eval("document.getElementById('cache-ring').dataset.nodes").asText();
            int arcsAfter = page.eval("document.querySelectorAll('#cache-ring path').length").asInt();
            // p99 is drawn only for intervals with operations: wait for its line too, not just for any series.
            page.waitFor(everyChartHasALine() + " && document.querySelectorAll('#chart-hit-rate line.marker')"
                    + ".length > 0 && " + P99_SEGMENTS + " > 1", WAIT, chartState());
            page.eval("document.getElementById('load-stop').click(); true");
            page.eval("document.querySelector('.charts').scrollIntoView(); true");
            Files.write(out.resolve("demo-ops.png"), page.screenshot());
            // A line per shard of the last 5 minutes: every shard shown now has one (a removed one may too).
            String everyShardHasALine = "[...document.querySelectorAll('#shards tr[data-shard]')].every(tr =>"
                    + " document.querySelector('#%s path[data-series=\"' + tr.dataset.shard + '\"]') !== null)";
            assertThat(page.eval(String.format(everyShardHasALine, "chart-lag")).asBoolean()).as("a lag line per shard")
                    .isTrue();
            assertThat(page.eval(String.format(everyShardHasALine, "chart-rows")).asBoolean())
                    .as("a rows line per shard").isTrue();
            assertThat(page.eval(P99_SEGMENTS).asInt()).isGreaterThan(1);

            assertThat(after.split(",")).hasSize(nodesBefore + 1).contains(before.split(","));
            assertThat(arcsAfter).as("the new node owns arcs of its own").isGreaterThan(arcsBefore);
            assertThat(page.eval("document.querySelectorAll('#cache-nodes tr[data-node]').length").asInt())
                    .isEqualTo(nodesBefore + 1);
            assertThat(page.eval(CLOSE_MARKERS).asText()).as("seven changes a second apart: seven lines, labels"
                    + " in four lanes, the last one merged, none drawn over another")
                    .isEqualTo("lines=7 labels=4 overlap=false last=+cache-3 +3");
            assertThat(page.eval("window.cspViolations.join(', ')").asText()).as("CSP violations").isEmpty();
            System.out.println("BrowserTest: cache ring " + before + " -> " + after + ", arcs " + arcsBefore + " -> "
                    + arcsAfter + "; screenshots in " + out.toAbsolutePath());
        } finally {
            removeCacheNodesAddedSince(http, nodesAtStart);
        }
    }

    private static List<String> cacheNodeIds(Http http) {
        List<String> ids = new ArrayList<>();
        http.get("/api/ops").body().at("/cache/nodes").forEach(n -> ids.add(n.get("id").asText()));
        return ids;
    }

    /**
     * Leaves the shared stack as it found it: the load stopped, the cache nodes this test added removed. When the test
     * failed before it added a node there is no change to wait for (the state is still empty), so the cleanup must
     * not fail on that and hide the test's own failure.
     */
    private static void removeCacheNodesAddedSince(Http http, List<String> nodesAtStart) {
        assertThat(http.delete("/api/ops/load").status()).isEqualTo(200);
        if (!http.get("/api/ops").body().at("/cache/change/state").asText().isEmpty()) {
            OpsViewTest.awaitCacheChangeDone(http);
        }
        for (String id : cacheNodeIds(http)) {
            if (!nodesAtStart.contains(id)) {
                assertThat(http.delete("/api/ops/cache-nodes/" + id).status()).isEqualTo(202);
                OpsViewTest.awaitCacheChangeDone(http);
            }
        }
        assertThat(cacheNodeIds(http)).containsExactlyInAnyOrderElementsOf(nodesAtStart);
    }

    /** Draws seven markers a second apart into a scratch chart and reports how their labels were laid out. */
    private static final String CLOSE_MARKERS = "(() => { const svg = document.createElementNS("
            + "'http://www.w3.org/2000/svg', 'svg'); svg.setAttribute('class', 'chart'); document.body.append(svg);"
            + " const now = Date.now(); Charts.draw(svg, { times: [now], series: [], unit: 'ms', windowMillis: 300000,"
            + " markers: [0, 1, 2, 3, 4, 5, 6].map((i) => ({ atMillis: now - 60000 + 1000 * i, label: '+cache-' + i }))"
            + " }); const labels = [...svg.querySelectorAll('.marker-label')]; const b = labels.map((t) => t.getBBox());"
            + " const overlap = b.some((p, i) => b.some((q, j) => i < j && p.x < q.x + q.width && q.x < p.x + p.width"
            + " && p.y < q.y + q.height && q.y < p.y + p.height)); const out = 'lines=' + svg.querySelectorAll("
            + "'line.marker').length + ' labels=' + labels.length + ' overlap=' + overlap + ' last='"
            + " + labels[labels.length - 1].textContent; svg.remove(); return out; })()";

    /** Every chart has a series path with at least two points (a drawn line). */
    private static String everyChartHasALine() {
        StringBuilder js = new StringBuilder("true");
        for (String id : CHARTS) {
            js.append(" && [...document.querySelectorAll('#").append(id)
                    .append(" path.series')].some(p => Number(p.dataset.points) >= 2)");
        }
        return js.toString();
    }

    private static String chartState() {
        StringBuilder js = new StringBuilder("document.getElementById('error').textContent");
        for (String id : CHARTS) {
            js.append(" + ' | ").append(id).append(": ' + [...document.querySelectorAll('#").append(id)
                    .append(" path.series')].map(p => p.dataset.series + '=' + p.dataset.points).join(',')");
        }
        return js.toString();
    }
}
