package dev.evalgate.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The gateway on the synthetic engine: budgets and stop strings are honoured as on a real one. */
@QuarkusTest
@TestProfile(SyntheticServingTest.Synthetic.class)
class SyntheticServingTest {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** {@code evalgate.engine=synthetic}, as fast as possible. */
    public static class Synthetic implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("evalgate.engine", "synthetic", "evalgate.system-prompt.mode", "off");
        }
    }

    static ObjectNode request(int maxTokens) {
        ObjectNode body = MAPPER.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", "go");
        body.put("max_tokens", maxTokens);
        return body;
    }

    @Test
    void budgetAndStopsAreHonoured() throws Exception {
        given().get("/v1/models").then().statusCode(200).body("data[0].id", org.hamcrest.Matchers.equalTo("evalgate-synthetic"));
        JsonNode full = MAPPER.readTree(given().contentType("application/json").body(request(60).toString())
                .post("/v1/chat/completions").asString());
        assertEquals(60, full.path("usage").path("completion_tokens").asInt());
        assertEquals("length", full.path("choices").get(0).path("finish_reason").asText());
        String text = full.path("choices").get(0).path("message").path("content").asText();

        ObjectNode streaming = request(60);
        streaming.put("stream", true);
        SseStream s = SseStream.parse(given().contentType("application/json").body(streaming.toString())
                .post("/v1/chat/completions").asString());
        assertTrue(s.done());
        assertEquals(text, s.content(0), "deterministic, and the same in both modes");

        String stop = text.substring(10, 13);
        ObjectNode stopped = request(60);
        stopped.put("stop", stop);
        JsonNode cut = MAPPER.readTree(given().contentType("application/json").body(stopped.toString())
                .post("/v1/chat/completions").asString());
        assertEquals(text.substring(0, text.indexOf(stop)), cut.path("choices").get(0).path("message").path("content").asText());
        assertEquals(stop, cut.path("choices").get(0).path("stop_reason").asText());
    }
}
