package dev.evalgate.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.evalgate.TestAdmin;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With an admin key configured, gold is uploaded and shown only to its holder, even on loopback. */
@QuarkusTest
@TestProfile(AdminKeyTest.WithAdminKey.class)
class AdminKeyTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String KEY = "test-admin-key";

    /** Sets {@code evalgate.auth.admin-key}. */
    public static class WithAdminKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("evalgate.auth.admin-key", KEY);
        }
    }

    @Test
    void goldNeedsTheKey() throws Exception {
        String row = "{\"instruction\": \"x\", \"inputs\": {}, \"outputs\": \"2\", \"meta\": {\"id\": 5}}\n";
        given().body(row).post("/v1/evals/gold/bps").then().statusCode(401).body("error.code",
                org.hamcrest.Matchers.equalTo(401));
        given().header("Authorization", "Bearer wrong").body(row).post("/v1/evals/gold/bps").then().statusCode(401);
        // a cross-site form can only post text/plain (or form encodings): refused even with the key
        given().header("Authorization", "Bearer " + KEY).contentType("text/plain").body(row).post("/v1/evals/gold/bps")
                .then().statusCode(415);
        // a page on another name that resolves here (DNS rebinding) sends its own Host
        TestAdmin.jsonLines(given().header("Authorization", "Bearer " + KEY).header("Host", "attacker.example"))
                .body(row).post("/v1/evals/gold/bps").then().statusCode(401);
        TestAdmin.jsonLines(given().header("Authorization", "Bearer " + KEY)).body(row)
                .post("/v1/evals/gold/bps").then().statusCode(200)
                .body("gold_available", org.hamcrest.Matchers.equalTo(1));

        String run = "admin-" + System.nanoTime();
        ObjectNode body = ChatCompletionsTest.request("Скобки: ( ]", 3);
        body.putObject("metadata").put("eval_run", run).put("task", "bps").put("doc_id", "5");
        given().contentType("application/json").body(body.toString()).post("/v1/chat/completions").then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/v1/evals/runs/" + run + "/samples")
                .statusCode() == 200);

        JsonNode anonymous = MAPPER.readTree(given().get("/v1/evals/runs/" + run + "/samples").asString());
        assertEquals(1, anonymous.path("data").size());
        assertFalse(anonymous.path("data").get(0).has("gold"), "gold is never shown to ordinary clients");
        JsonNode admin = MAPPER.readTree(given().header("Authorization", "Bearer " + KEY)
                .get("/v1/evals/runs/" + run + "/samples").asString());
        assertTrue(admin.path("data").get(0).has("gold"));
        assertEquals("2", admin.path("data").get(0).path("gold").asText());
    }
}
