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

    @Test
    void theGatewayTimesItsOwnPartOfTheStreamingPath() {
        double requestsBefore = metric("evalgate_request_to_engine_seconds_count");
        double writesBefore = metric("evalgate_token_to_socket_seconds_count");
        ObjectNode streaming = request(40);
        streaming.put("stream", true);
        assertTrue(SseStream.parse(given().contentType("application/json").body(streaming.toString())
                .post("/v1/chat/completions").asString()).done());
        assertEquals(requestsBefore + 1, metric("evalgate_request_to_engine_seconds_count"));
        double writes = metric("evalgate_token_to_socket_seconds_count") - writesBefore;
        // 40 tokens and a finish go out in at least one socket write, at most one each
        assertTrue(writes >= 1 && writes <= 41, "socket writes timed: " + writes);
        assertTrue(metric("evalgate_token_to_socket_seconds_sum") > 0);
        assertTrue(metric("evalgate_request_to_engine_seconds_bucket{le=\"10.0\"}") >= requestsBefore + 1);
    }

    /** A sample's value from the Prometheus text on /q/metrics. */
    static double metric(String name) {
        for (String line : given().get("/q/metrics").then().statusCode(200).extract().asString().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError(name + " is not on /q/metrics");
    }
}
