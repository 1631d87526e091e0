package dev.evalgate.api;

import static dev.evalgate.TestAdmin.admin;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.evalgate.scoring.runs.OfflineScorer;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Tagged benchmark traffic through the real engine shows up in the run endpoint with the scores the offline scorer
 * gives for the same recorded outputs; the run exports as a MERA submission zip.
 */
@QuarkusTest
class EvalRunsTest {

    static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    /** Gold rows for a few documents of tasks with different answer kinds. */
    static Map<String, List<ObjectNode>> gold() {
        Map<String, List<ObjectNode>> gold = new HashMap<>();
        List<ObjectNode> parus = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ObjectNode row = MAPPER.createObjectNode();
            row.put("instruction", "Выберите 1 или 2. {premise}");
            row.putObject("inputs").put("premise", "Посылка " + i).put("choice1", "a").put("choice2", "b");
            row.put("outputs", i % 2 == 0 ? "1" : "2");
            row.putObject("meta").put("id", i).put("task", "cause");
            parus.add(row);
        }
        gold.put("parus", parus);
        List<ObjectNode> simplear = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ObjectNode row = MAPPER.createObjectNode();
            row.put("instruction", "Посчитай: {inputs}");
            row.put("inputs", i + " + 1 = ");
            row.put("outputs", String.valueOf(i + 1));
            row.putObject("meta").put("id", 100 + i);
            simplear.add(row);
        }
        gold.put("simplear", simplear);
        List<ObjectNode> multiq = new ArrayList<>();
        ObjectNode mq = MAPPER.createObjectNode();
        mq.put("instruction", "Ответь: {question}");
        mq.putObject("inputs").put("question", "Кто?").put("support_text", "x").put("text", "y");
        mq.put("outputs", "Пушкин;А. С. Пушкин");
        mq.putObject("meta").put("id", 7);
        multiq.add(mq);
        gold.put("multiq", multiq);
        return gold;
    }

    static String jsonl(List<ObjectNode> rows) {
        StringBuilder sb = new StringBuilder();
        rows.forEach(r -> sb.append(r.toString()).append('\n'));
        return sb.toString();
    }

    @Test
    void taggedTrafficIsScoredLiveExactlyAsOffline() throws Exception {
        Map<String, List<ObjectNode>> gold = gold();
        Path goldDir = Files.createDirectories(dir.resolve("gold"));
        for (Map.Entry<String, List<ObjectNode>> e : gold.entrySet()) {
            admin().body(jsonl(e.getValue())).post("/v1/evals/gold/" + e.getKey()).then().statusCode(200);
            Files.writeString(goldDir.resolve(e.getKey() + ".jsonl"), jsonl(e.getValue()));
        }
        String run = "run-" + System.nanoTime();
        int requests = 0;
        for (Map.Entry<String, List<ObjectNode>> e : gold.entrySet()) {
            for (ObjectNode row : e.getValue()) {
                ObjectNode body = ChatCompletionsTest.request(row.path("inputs").toString(), 6);
                body.put("stream", requests % 2 == 0);
                if (requests % 3 == 0) {
                    // tagged by headers instead of metadata
                    given().header("X-Eval-Run", run).header("X-Eval-Task", e.getKey())
                            .header("X-Eval-Doc-Id", row.path("meta").path("id").asText()).contentType("application/json")
                            .body(body.toString()).post("/v1/chat/completions").then().statusCode(200);
                } else {
                    body.putObject("metadata").put("eval_run", run).put("task", e.getKey())
                            .put("doc_id", row.path("meta").path("id").asText());
                    given().contentType("application/json").body(body.toString()).post("/v1/chat/completions").then()
                            .statusCode(200);
                }
                requests++;
            }
        }
        int expected = requests;
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode samples = MAPPER.readTree(given().get("/v1/evals/runs/" + run + "/samples").asString());
            return samples.path("data").size() == expected;
        });
        JsonNode live = MAPPER.readTree(given().get("/v1/evals/runs/" + run).asString());
        assertEquals(run, live.path("run").asText());
        assertEquals(3, live.path("tasks").size());
        assertEquals(4, live.path("tasks").path("parus").path("samples_scored").asInt());
        assertEquals(4, live.path("tasks").path("parus").path("gold_available").asInt());
        assertTrue(live.path("tasks").path("parus").path("in_total").asBoolean());
        assertTrue(live.path("tasks").path("parus").path("metrics").has("acc"));
        assertTrue(live.path("tasks").path("multiq").path("metrics").has("f1"));
        assertTrue(live.path("tasks").path("simplear").path("metrics").has("em"));

        // the same recorded outputs, scored offline
        JsonNode samples = MAPPER.readTree(admin().get("/v1/evals/runs/" + run + "/samples").asString()).path("data");
        StringBuilder predictions = new StringBuilder();
        for (JsonNode s : samples) {
            assertNotNull(s.get("gold"), "admins see gold");
            ObjectNode line = MAPPER.createObjectNode();
            line.put("task", s.path("task").asText());
            line.put("doc_id", s.path("doc_id").asText());
            line.put("output", s.path("outputs").get(0).asText());
            predictions.append(line).append('\n');
        }
        Path predictionsFile = Files.writeString(dir.resolve(run + ".jsonl"), predictions.toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = OfflineScorer.run(List.of("--gold", goldDir.toString(), "--predictions", predictionsFile.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err, () -> null);
        assertEquals(0, code);
        JsonNode offline = MAPPER.readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(live.path("tasks"), offline.path("tasks"));
        assertEquals(live.path("total_score").asDouble(), offline.path("total_score").asDouble(), 1e-12);

        // the submission zip scores the same as well
        byte[] zip = given().get("/v1/evals/runs/" + run + "/submission.zip").then().statusCode(200)
                .contentType("application/zip").extract().asByteArray();
        List<String> names = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
            }
        }
        assertEquals(List.of("MultiQ.json", "PARus.json", "SimpleAr.json"), names.stream().sorted().toList());
        Path zipFile = Files.write(dir.resolve("submission.zip"), zip);
        out.reset();
        assertEquals(0, OfflineScorer.run(List.of("--gold", goldDir.toString(), "--submission", zipFile.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err, () -> null));
        JsonNode fromZip = MAPPER.readTree(out.toString(StandardCharsets.UTF_8));
        for (String task : List.of("parus", "simplear", "multiq")) {
            assertEquals(live.path("tasks").path(task).path("metrics"), fromZip.path("tasks").path(task).path("metrics"));
        }
        given().get("/v1/evals/runs").then().statusCode(200);
        given().get("/v1/evals/runs/no-such-run").then().statusCode(404).body("error.param",
                org.hamcrest.Matchers.equalTo("run"));
    }

    @Test
    void untaggedTrafficIsNotScored() throws Exception {
        JsonNode before = MAPPER.readTree(given().get("/v1/evals/runs").asString());
        ChatCompletionsTest.complete(ChatCompletionsTest.request("hello", 2));
        JsonNode after = MAPPER.readTree(given().get("/v1/evals/runs").asString());
        assertEquals(before.path("data").size(), after.path("data").size());
    }

    @Test
    void badGoldUploadsAre400WithFileAndLine() {
        admin().body("{\"meta\": {\"id\": 1}, \"outputs\": \"1\"}\n{not json\n").post("/v1/evals/gold/parus").then()
                .statusCode(400).body("error.message", org.hamcrest.Matchers.containsString("parus.jsonl:2"));
        admin().body("{}").post("/v1/evals/gold/nosuchtask").then().statusCode(400);
        admin().body("").post("/v1/evals/gold/parus").then().statusCode(400)
                .body("error.message", org.hamcrest.Matchers.containsString("no rows"));
    }
}
