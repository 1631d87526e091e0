package dev.evalgate.store;

import static dev.evalgate.TestAdmin.admin;
import static dev.evalgate.store.StoreTestSupport.at;
import static dev.evalgate.store.StoreTestSupport.complete;
import static dev.evalgate.store.StoreTestSupport.getJson;
import static dev.evalgate.store.StoreTestSupport.tagged;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.evalgate.GatewayProcess;

/**
 * Runs outlive the gateway, and replicas add up: the packaged gateway is started, stopped with SIGTERM and started
 * again, in both store modes; two gateways on one PostgreSQL serve one run.
 */
class StoreRestartIT {

    @TempDir
    Path dir;

    @Test
    void withoutADatabaseARestartedGatewayReportsTheSameRun() throws Exception {
        String run = "embedded-" + UUID.randomUUID();
        Path data = dir.resolve("data");
        Snapshot before;
        try (GatewayProcess gateway = GatewayProcess.start(data, "synthetic", Map.of())) {
            uploadGold(gateway.baseUri());
            for (int i = 0; i < 4; i++) {
                complete(gateway.baseUri(), tagged(run, "parus", String.valueOf(i), i % 2 == 0));
            }
            before = awaitSamples(gateway.baseUri(), run, 4);
            gateway.stop();
        }
        try (GatewayProcess gateway = GatewayProcess.start(data, "synthetic", Map.of())) {
            assertEquals(before, Snapshot.of(gateway.baseUri(), run));
            assertEquals(4, getJson(gateway.baseUri(), "/v1/evals/store").path("samples_read_back").asInt());
            gateway.stop();
        }
    }

    @Test
    void twoGatewaysOnOneDatabaseReportOneRunThatOutlivesThem() throws Exception {
        TestDatabase.ensureExists();
        Map<String, String> db = TestDatabase.config(TestDatabase.PORT);
        String run = "replicas-" + UUID.randomUUID();
        Snapshot union;
        try (GatewayProcess a = GatewayProcess.start(dir.resolve("a"), "synthetic", db);
                GatewayProcess b = GatewayProcess.start(dir.resolve("b"), "synthetic", db)) {
            uploadGold(a.baseUri());
            for (int i = 0; i < 6; i++) {
                complete((i < 3 ? a : b).baseUri(), tagged(run, "parus", String.valueOf(i), i % 2 == 0));
            }
            union = awaitSamples(a.baseUri(), run, 6);
            assertEquals(union, awaitSamples(b.baseUri(), run, 6), "both replicas report the union");
            List<List<Object>> writers = TestDatabase.query("select written_by, count(*) from eval_sample where run = '"
                    + run + "' group by written_by order by 1");
            assertEquals(2, writers.size(), writers.toString());
            assertEquals(6, union.report().path("tasks").path("parus").path("gold_available").asInt(),
                    "gold uploaded to one replica reached the other");
            a.stop();
            b.stop();
        }
        try (GatewayProcess restarted = GatewayProcess.start(dir.resolve("a"), "synthetic", db)) {
            assertEquals(union, Snapshot.of(restarted.baseUri(), run));
            restarted.stop();
        }
    }

    private static void uploadGold(String baseUri) {
        admin(at(baseUri)).body(StoreTestSupport.parusGold(6))
                .post("/v1/evals/gold/parus").then().statusCode(200);
    }

    private static Snapshot awaitSamples(String baseUri, String run, int n) {
        await().atMost(Duration.ofSeconds(30)).until(() -> at(baseUri).get("/v1/evals/runs/" + run).statusCode() == 200
                && getJson(baseUri, "/v1/evals/runs/" + run).path("tasks").path("parus").path("samples").asInt() == n);
        return Snapshot.of(baseUri, run);
    }

    /** A run's report and its samples (ordered by id: listing order is not part of the contract). */
    record Snapshot(JsonNode report, List<JsonNode> samples) {
        static Snapshot of(String baseUri, String run) {
            List<JsonNode> samples = new ArrayList<>();
            getJson(baseUri, "/v1/evals/runs/" + run + "/samples").path("data").forEach(samples::add);
            samples.sort(Comparator.comparing(s -> s.path("id").asText()));
            assertTrue(samples.stream().allMatch(s -> s.path("request").path("id").asText().startsWith("chatcmpl-")));
            return new Snapshot(getJson(baseUri, "/v1/evals/runs/" + run), samples);
        }
    }
}
