package dev.evalgate.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Abusive requests, each past one of {@code evalgate.limits.*}: refused with a 400 (413 for the body) that names the
 * field and the setting, before any rendering, tokenizing or engine work, and the gateway serves on.
 */
@QuarkusTest
class RequestLimitsTest {

    @Inject
    RequestLimits limits;

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        assertEquals(RequestLimits.defaults(), limits);
    }

    static ObjectNode chat() {
        return ChatCompletionsTest.request("Hi", 2);
    }

    static Stream<Arguments> abusive() {
        ObjectNode manyChoices = chat().put("n", 17).put("temperature", 1);
        ObjectNode manyStops = chat();
        ArrayNode stops = manyStops.putArray("stop");
        for (int i = 0; i < 65; i++) {
            stops.add("s" + i);
        }
        ObjectNode longStops = chat();
        longStops.putArray("stop").add("x".repeat(4000)).add("y".repeat(200));
        ObjectNode manyMessages = chat();
        ArrayNode messages = manyMessages.putArray("messages");
        for (int i = 0; i < 1025; i++) {
            messages.addObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", "m");
        }
        ObjectNode hugeContent = chat();
        hugeContent.putArray("messages").addObject().put("role", "user").put("content", "ж".repeat(2_000_001));
        ObjectNode budget = chat().put("max_tokens", 16385);
        ObjectNode topLogprobs = chat().put("logprobs", true).put("top_logprobs", 21);
        ObjectNode metadata = chat();
        ObjectNode entries = metadata.putObject("metadata");
        for (int i = 0; i < 17; i++) {
            entries.put("k" + i, "v");
        }
        ObjectNode longRun = chat();
        longRun.putObject("metadata").put("eval_run", "r".repeat(3000)).put("task", "parus").put("doc_id", "0");
        ObjectNode prompts = ChatCompletionsTest.MAPPER.createObjectNode();
        ArrayNode list = prompts.putArray("prompt");
        for (int i = 0; i < 257; i++) {
            list.add("p");
        }
        ObjectNode detokenize = ChatCompletionsTest.MAPPER.createObjectNode();
        detokenize.putArray("tokens").add(1).add(1_000_000_000);
        return Stream.of(
                Arguments.of("/v1/chat/completions", manyChoices.toString(), "n", "evalgate.limits.max-n"),
                Arguments.of("/v1/chat/completions", manyStops.toString(), "stop", "evalgate.limits.max-stops"),
                Arguments.of("/v1/chat/completions", longStops.toString(), "stop", "evalgate.limits.max-stop-chars"),
                Arguments.of("/v1/chat/completions", manyMessages.toString(), "messages", "evalgate.limits.max-messages"),
                Arguments.of("/v1/chat/completions", hugeContent.toString(), "messages",
                        "evalgate.limits.max-prompt-chars"),
                Arguments.of("/v1/chat/completions", budget.toString(), "max_tokens", "evalgate.limits.max-tokens"),
                Arguments.of("/v1/chat/completions", topLogprobs.toString(), "top_logprobs", "max allowed: 20"),
                Arguments.of("/v1/chat/completions", metadata.toString(), "metadata",
                        "evalgate.limits.max-metadata-entries"),
                Arguments.of("/v1/chat/completions", longRun.toString(), "metadata", "evalgate.limits.max-id-chars"),
                Arguments.of("/v1/completions", prompts.toString(), "prompt", "evalgate.limits.max-prompts"),
                Arguments.of("/detokenize", detokenize.toString(), "tokens", "is not a token id of this model"));
    }

    @ParameterizedTest
    @MethodSource("abusive")
    void abusiveRequestsAreRefusedNamingTheLimit(String path, String body, String param, String says) {
        Response r = given().contentType("application/json").body(body).post(path);
        assertEquals(400, r.statusCode(), r.asString());
        assertEquals(param, r.path("error.param"));
        assertTrue(r.<String>path("error.message").contains(says), r.asString());
        given().get("/health").then().statusCode(200);
    }

    @Test
    void aBodyPastTheLimitGets413InTheOpenAiShape() {
        ObjectNode body = chat().put("n", 16).put("temperature", 1);
        body.putArray("messages").addObject().put("role", "user").put("content", "a".repeat(5 << 20));
        Response r = given().contentType("application/json").body(body.toString()).post("/v1/chat/completions");
        assertEquals(413, r.statusCode(), r.asString());
        assertEquals(413, (int) r.path("error.code"));
        assertTrue(r.<String>path("error.message").contains("evalgate.limits.max-body-size"), r.asString());
    }

    @Test
    void anEvalHeaderPastTheLimitIsRefused() {
        Response r = given().contentType("application/json").header("X-Eval-Run", "r".repeat(600))
                .header("X-Eval-Task", "parus").header("X-Eval-Doc-Id", "1").body(chat().toString())
                .post("/v1/chat/completions");
        assertEquals(400, r.statusCode(), r.asString());
        assertEquals("X-Eval-Run", r.path("error.param"));
    }
}
