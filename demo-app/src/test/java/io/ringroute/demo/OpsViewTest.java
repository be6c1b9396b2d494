package io.ringroute.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringroute.shard.Role;
import io.ringroute.shard.ServerMetrics;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The operations view's endpoints: history, Prometheus metrics, load and cache node buttons. */
@ExtendWith(DemoStack.class)
class OpsViewTest {

    @Test
    void stoppingTheLoadAnswersThatItStoppedAlthoughTheStatsWereJustRead() {
        Http http = Http.anonymous();
        assertThat(http.post("/api/ops/load", "{\"rate\":20}").status()).isEqualTo(200);
        assertThat(http.get("/api/ops").body().at("/load/running").asBoolean()).isTrue();
        Http.Response stopped = http.delete("/api/ops/load");
        assertThat(stopped.status()).isEqualTo(200);
        assertThat(stopped.body().get("running").asBoolean()).isFalse();
        assertThat(stopped.body().get("opsPerSecond").asDouble()).isZero();
    }

    @Test
    void aRefusedCacheNodeAddUsesUpNoIdAndEachAddIsMarkedInTheHistory() {
        Http http = Http.anonymous();
        Http.Response first = http.post("/api/ops/cache-nodes", new byte[0]);
        assertThat(first.status()).as(first.body().toString()).isEqualTo(202);
        Http.Response refused = http.post("/api/ops/cache-nodes", new byte[0]);
        assertThat(refused.status()).as("a second add while the first runs").isEqualTo(409);
        awaitCacheChangeDone(http);
        Http.Response second = http.post("/api/ops/cache-nodes", new byte[0]);
        awaitCacheChangeDone(http);

        String a = first.body().get("id").asText();
        String b = second.body().get("id").asText();
        assertThat(number(b)).isEqualTo(number(a) + 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/api/ops/history").body().get("markers")
                .toString().contains("+" + b));
        JsonNode history = http.get("/api/ops/history").body();
        assertThat(history.get("markers").toString()).contains("\"label\":\"+" + a + "\"");
        assertThat(history.get("samples").size()).isPositive();
        assertThat(history.at("/samples/0/rows").size()).isGreaterThanOrEqualTo(2);

        for (String id : new String[] {a, b}) {
            assertThat(http.delete("/api/ops/cache-nodes/" + id).status()).isEqualTo(202);
            awaitCacheChangeDone(http);
        }
    }

    @Test
    void theMetricsEndpointServesTheRouterCacheAndPoolMetersInPrometheusText() {
        Http http = Http.anonymous();
        http.get("/api/users/ada_1/timeline");
        String text = http.get("/metrics").body().asText();
        assertThat(text).contains("ringroute_router_reads_total{", "ringroute_router_replica_lag_seconds{",
                "ringroute_router_fallbacks_total{reason=\"replica_behind\"", "ringroute_cache_reads_total{result=\"hit\"}",
                "ringroute_cache_node_latency_seconds_count{", "hikaricp_connections{", "jvm_memory_used_bytes{");
    }

    @Test
    void aReplicaWhoseLagIsUnknownShowsNoLagRatherThanLongMaxValue() {
        ServerMetrics notYetPolled = new ServerMetrics("shard-9", Role.REPLICA, "jdbc:postgresql://x/y", false, 0, 0,
                0, 0, Double.POSITIVE_INFINITY, 0, 0);
        assertThat(LiveTopology.lagMillis(notYetPolled)).isNull();
        ServerMetrics polled = new ServerMetrics("shard-9", Role.REPLICA, "jdbc:postgresql://x/y", true, 0, 0, 0, 10,
                0.25, 0, 0);
        assertThat(LiveTopology.lagMillis(polled)).isEqualTo(250);
    }

    static void awaitCacheChangeDone(Http http) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).until(() -> !http.get("/api/ops")
                .body().at("/cache/change/state").asText().equals("running"));
        assertThat(http.get("/api/ops").body().at("/cache/change/state").asText()).isEqualTo("done");
    }

    private static int number(String id) {
        return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
    }
}
