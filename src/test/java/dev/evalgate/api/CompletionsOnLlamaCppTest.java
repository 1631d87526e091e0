package dev.evalgate.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * {@code /v1/completions} on the embedded llama.cpp engine: generation works as with chat, and what the engine
 * cannot give (log-probabilities) is refused with the engine's name and the reason, never made up.
 */
@QuarkusTest
class CompletionsOnLlamaCppTest {

    @Test
    void theLogLikelihoodPayloadIsRefusedNamingTheEngineAndWhy() {
        ObjectNode body = CompletionsTest.loglikelihood(CompletionsTest.PROMPT);
        body.put("model", ChatCompletionsTest.MODEL);
        Response r = given().contentType("application/json").body(body.toString()).post("/v1/completions");
        assertEquals(400, r.statusCode(), r.asString());
        String message = r.path("error.message");
        assertEquals("logprobs", r.path("error.param"));
        assertTrue(message.startsWith("The llamacpp engine cannot give log-probabilities of prompt tokens"), message);
        assertTrue(message.contains("de.kherud:llama"), message);
        assertTrue(message.contains("upstream"), "says what to use instead: " + message);

        ObjectNode chat = ChatCompletionsTest.request("Hi", 2).put("logprobs", true);
        Response c = given().contentType("application/json").body(chat.toString()).post("/v1/chat/completions");
        assertEquals(400, c.statusCode(), c.asString());
        assertTrue(c.<String>path("error.message").startsWith("The llamacpp engine cannot give log-probabilities:"));
    }

    @Test
    void completionsGenerateWhatChatWouldForTheSamePromptIds() throws Exception {
        // the chat prompt as token ids, sent raw: the same greedy continuation as the chat endpoint gives
        ObjectNode tokenize = ChatCompletionsTest.MAPPER.createObjectNode();
        tokenize.putArray("messages").addObject().put("role", "user").put("content", "Hello there");
        JsonNode ids = ChatCompletionsTest.MAPPER.readTree(given().contentType("application/json")
                .body(tokenize.toString()).post("/tokenize").asString()).path("tokens");
        ObjectNode body = ChatCompletionsTest.MAPPER.createObjectNode().put("model", ChatCompletionsTest.MODEL)
                .put("max_tokens", 12).put("temperature", 0);
        body.set("prompt", ids);
        JsonNode completion = CompletionsTest.post("/v1/completions", body, 200);
        JsonNode chat = ChatCompletionsTest.complete(ChatCompletionsTest.request("Hello there", 12));
        assertEquals(chat.path("choices").get(0).path("message").path("content").asText(),
                completion.path("choices").get(0).path("text").asText());
        assertEquals(chat.path("usage"), completion.path("usage"));
    }
}
