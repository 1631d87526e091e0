package dev.evalgate.ops;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.evalgate.TestAdmin;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * The gateway as operators see it: admission past capacity (429 with Retry-After at once, admitted streams unharmed),
 * the vLLM-named series moving on /q/metrics, live score gauges equal to the runs API, and the health probes.
 */
@QuarkusTest
@TestProfile(OperationsTest.TwoAtATime.class)
class OperationsTest {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** The synthetic engine at 50 tokens/s, two sequences at once, no waiting (the queue is unit-tested). */
    public static class TwoAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("evalgate.engine", "synthetic", "evalgate.engine.synthetic.tokens-per-second", "50",
                    "evalgate.system-prompt.mode", "off", "evalgate.admission.max-running", "2",
                    "evalgate.admission.max-waiting", "0",
                    "evalgate.metrics.live-refresh", "1h");
        }
    }

    @TestHTTPResource("/v1/chat/completions")
    URL chat;

    @Inject
    LiveScores liveScores;


    static ObjectNode request(int maxTokens, boolean stream) {
        ObjectNode body = MAPPER.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", "go");
        return body.put("max_tokens", maxTokens).put("stream", stream);
    }

    @Test
    void pastCapacityRequestsGet429AtOnceWhileAdmittedStreamsComplete() throws Exception {
        // HTTP/1.1, one connection per request: the JDK client's HTTP/2 upgrade would hold the later requests until the
        // first stream ended
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> admitted = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            admitted.add(client.sendAsync(HttpRequest.newBuilder(URI.create(chat.toString()))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            request(500, true).toString())).build(), HttpResponse.BodyHandlers.ofString()));
        }
        // both run (10 s each at 50 tokens/s); the queue takes no one (max-waiting 0)
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> metric("evalgate_num_requests_running") == 2);
        long start = System.nanoTime();
        Response refused = given().contentType("application/json").body(request(5, false).toString())
                .post("/v1/chat/completions");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(429, refused.statusCode(), refused.asString());
        assertEquals("RateLimitError", refused.path("error.type"));
        assertEquals(429, (int) refused.path("error.code"));
        assertTrue(Integer.parseInt(refused.header("Retry-After")) >= 1);
        System.out.printf("operations: a request past capacity was refused in %d ms%n", ms);
        for (CompletableFuture<HttpResponse<String>> f : admitted) {
            HttpResponse<String> r = f.get(120, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().endsWith("data: [DONE]\n\n"), "the admitted streams are unharmed");
            assertTrue(r.body().contains("\"finish_reason\":\"length\""));
        }
        assertTrue(metric("evalgate_admission_rejected_total", "status=\"429\"") >= 1);
        assertEquals(0, metric("evalgate_num_requests_running"));
    }

    @Test
    void theServingSeriesMoveUnderVllmsNames() {
        double ttft = metric("evalgate_time_to_first_token_seconds_count");
        double itl = metric("evalgate_inter_token_latency_seconds_count");
        double generated = metric("evalgate_generation_tokens_total");
        double prompt = metric("evalgate_prompt_tokens_total");
        double lengths = metric("evalgate_request_success_total", "finished_reason=\"length\"");
        given().contentType("application/json").body(request(10, false).toString()).post("/v1/chat/completions")
                .then().statusCode(200);
        assertEquals(ttft + 1, metric("evalgate_time_to_first_token_seconds_count"));
        assertEquals(itl + 9, metric("evalgate_inter_token_latency_seconds_count"));
        assertEquals(generated + 10, metric("evalgate_generation_tokens_total"));
        assertTrue(metric("evalgate_prompt_tokens_total") > prompt);
        assertEquals(lengths + 1, metric("evalgate_request_success_total", "finished_reason=\"length\""));
        assertTrue(metric("evalgate_e2e_request_latency_seconds_count") >= 1);
        assertTrue(metric("evalgate_request_queue_time_seconds_count") >= 1);
    }

    @Test
    void liveScoreGaugesEqualTheRunsApi() throws Exception {
        StringBuilder gold = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            gold.append("{\"instruction\": \"x\", \"inputs\": {}, \"outputs\": \"").append(i % 2 + 1)
                    .append("\", \"meta\": {\"id\": ").append(i).append("}}\n");
        }
        TestAdmin.admin().body(gold.toString()).post("/v1/evals/gold/parus").then().statusCode(200);
        liveScores.refresh(); // runs from before are history; this one becomes active as its samples arrive
        String run = "live-" + System.nanoTime();
        for (int i = 0; i < 4; i++) {
            ObjectNode body = request(2, false);
            body.putObject("metadata").put("eval_run", run).put("task", "parus").put("doc_id", String.valueOf(i));
            given().contentType("application/json").body(body.toString()).post("/v1/chat/completions").then()
                    .statusCode(200);
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/v1/evals/runs/" + run)
                .then().extract().path("tasks.parus.samples_scored") != null
                && (int) given().get("/v1/evals/runs/" + run).path("tasks.parus.samples_scored") == 4);
        liveScores.refresh();
        JsonNode report = MAPPER.readTree(given().get("/v1/evals/runs/" + run).asString());
        String runLabel = "run=\"" + run + "\"";
        assertTrue(given().get("/q/metrics").asString().contains("evalgate_run_total_score{" + runLabel),
                "the run's live scores are on /q/metrics");
        assertEquals(report.path("total_score").asDouble(), metric("evalgate_run_total_score", runLabel));
        assertEquals(report.path("tasks").path("parus").path("metrics").path("acc").asDouble(),
                metric("evalgate_run_metric", runLabel, "task=\"parus\"", "metric=\"acc\""));
        assertEquals(4.0, metric("evalgate_run_samples_scored", runLabel, "task=\"parus\""),
                given().get("/q/metrics").asString().lines().filter(l -> l.contains(run)).toList().toString());
    }

    @Test
    void theGrafanaDashboardChartsSeriesTheGatewayServes() throws Exception {
        given().contentType("application/json").body(request(3, false).toString()).post("/v1/chat/completions")
                .then().statusCode(200);
        String dashboard = Files.readString(Path.of("docs/grafana-dashboard.json"));
        String metrics = given().get("/q/metrics").asString();
        Matcher names = Pattern.compile("evalgate_[a-z_]+").matcher(dashboard);
        int checked = 0;
        while (names.find()) {
            String name = names.group().replaceFirst("_(bucket|count|sum)$", "");
            // the upstream pool's series exist with the upstream engine, the runs' once a run is active (tested above)
            if (!name.startsWith("evalgate_upstream_") && !name.startsWith("evalgate_run_")) {
                assertTrue(metrics.contains(name), "the dashboard charts " + name + ", which /q/metrics does not have");
                checked++;
            }
        }
        assertTrue(checked >= 10, "checked " + checked);
    }

    @Test
    void probesSayLiveAndReadyOnceTheEngineProducedAToken() {
        given().get("/q/health/live").then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/q/health/ready").statusCode() == 200);
        assertEquals("ready", given().get("/q/health/ready").path("checks.find { it.name == 'evalgate' }.data.reason"));
    }

    /** The value of a series on /q/metrics whose labels include all of {@code labels} (0 when it has no sample yet). */
    static double metric(String name, String... labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(given().get("/q/metrics").then().statusCode(200).extract().asString());
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            String tags = m.group(1) == null ? "" : m.group(1);
            boolean all = true;
            for (String label : labels) {
                all &= tags.contains(label);
            }
            if (all) {
                sum += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        return found ? sum : 0;
    }
}
