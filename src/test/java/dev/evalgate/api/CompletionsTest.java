package dev.evalgate.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * {@code /v1/completions} as lm-evaluation-harness's {@code local-completions} uses it, on the synthetic engine, whose
 * log-probabilities are documented test values (a prompt token with id t has -(t % 16 + 1) / 16 and is the most
 * likely token at its position unless t % 3 == 0; a generated token is the most likely at its position).
 */
@QuarkusTest
@TestProfile(SyntheticServingTest.Synthetic.class)
class CompletionsTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    /** "<|begin_of_text|>Hello, world!" in Llama 3.1 ids. */
    static final int[] PROMPT = {128000, 9906, 11, 1917, 0};

    static JsonNode post(String path, Object body, int status) {
        Response r = given().contentType("application/json").body(body.toString()).post(path);
        assertEquals(status, r.statusCode(), r.asString());
        try {
            return MAPPER.readTree(r.asString());
        } catch (Exception e) {
            throw new AssertionError(r.asString(), e);
        }
    }

    static ArrayNode ids(int... ids) {
        ArrayNode out = MAPPER.createArrayNode();
        for (int id : ids) {
            out.add(id);
        }
        return out;
    }

    /** lm-evaluation-harness's loglikelihood payload (openai_completions.py), byte for byte in its fields. */
    static ObjectNode loglikelihood(int[]... prompts) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("model", "evalgate-synthetic");
        ArrayNode list = body.putArray("prompt");
        for (int[] p : prompts) {
            list.add(ids(p));
        }
        return body.put("temperature", 0).put("max_tokens", 1).put("logprobs", 1).put("seed", 1234).put("echo", true);
    }

    @Test
    void logLikelihoodPayloadGetsOneEntryPerPromptTokenPlusOneFirstNull() {
        JsonNode r = post("/v1/completions", loglikelihood(PROMPT), 200);
        assertEquals("text_completion", r.path("object").asText());
        JsonNode choice = r.path("choices").get(0);
        assertEquals(0, choice.path("index").asInt());
        JsonNode lp = choice.path("logprobs");
        for (String array : List.of("tokens", "token_logprobs", "top_logprobs", "text_offset")) {
            assertEquals(PROMPT.length + 1, lp.path(array).size(), array + ": " + lp);
        }
        assertTrue(lp.path("token_logprobs").get(0).isNull());
        assertTrue(lp.path("top_logprobs").get(0).isNull());
        for (int j = 1; j < PROMPT.length; j++) {
            double own = lp.path("token_logprobs").get(j).asDouble();
            assertEquals(-(PROMPT[j] % 16 + 1) / 16.0, own, "position " + j);
            JsonNode top = lp.path("top_logprobs").get(j);
            assertEquals(own, top.path(lp.path("tokens").get(j).asText()).asDouble(), "own token in its dict: " + top);
            assertTrue(top.size() >= 1 && top.size() <= 2, top.toString());
            // lm-eval's is_greedy: the token's own log-probability is the dict's maximum
            assertEquals(PROMPT[j] % 3 != 0, own == max(top), "greedy at " + j + ": " + top);
        }
        // what lm-eval sums for a continuation of the last 2 tokens: token_logprobs[ctxlen:-1]
        double sum = lp.path("token_logprobs").get(3).asDouble() + lp.path("token_logprobs").get(4).asDouble();
        assertEquals(-(1917 % 16 + 1) / 16.0 - 1 / 16.0, sum);
        // echo: the text is the prompt's, then the generated token; the offsets point into it
        String text = choice.path("text").asText();
        assertTrue(text.startsWith("<|begin_of_text|>Hello, world!"), text);
        StringBuilder joined = new StringBuilder();
        for (int j = 0; j < lp.path("tokens").size(); j++) {
            assertEquals(joined.codePointCount(0, joined.length()), lp.path("text_offset").get(j).asInt());
            joined.append(lp.path("tokens").get(j).asText());
        }
        assertEquals(text, joined.toString());
        assertEquals(PROMPT.length, r.path("usage").path("prompt_tokens").asInt());
        assertEquals(1, r.path("usage").path("completion_tokens").asInt());
    }

    private static double max(JsonNode dict) {
        double max = Double.NEGATIVE_INFINITY;
        for (JsonNode v : dict) {
            max = Math.max(max, v.asDouble());
        }
        return max;
    }

    @Test
    void aBatchOfPromptsGetsOneChoiceEachInOrder() {
        int[] other = {128000, 40, 1093};
        JsonNode r = post("/v1/completions", loglikelihood(PROMPT, other), 200);
        assertEquals(2, r.path("choices").size());
        assertEquals(0, r.path("choices").get(0).path("index").asInt());
        assertEquals(1, r.path("choices").get(1).path("index").asInt());
        assertEquals(PROMPT.length + 1, r.path("choices").get(0).path("logprobs").path("tokens").size());
        assertEquals(other.length + 1, r.path("choices").get(1).path("logprobs").path("tokens").size());
        assertEquals(-(1093 % 16 + 1) / 16.0,
                r.path("choices").get(1).path("logprobs").path("token_logprobs").get(2).asDouble());
        assertEquals(PROMPT.length + other.length, r.path("usage").path("prompt_tokens").asInt());
    }

    @Test
    void generatePayloadIsCutBeforeTheFirstOfManyStops() {
        ObjectNode open = MAPPER.createObjectNode();
        open.putArray("prompt").add(ids(PROMPT));
        open.put("model", "evalgate-synthetic").put("max_tokens", 64).put("temperature", 0).put("seed", 1234);
        String full = post("/v1/completions", open, 200).path("choices").get(0).path("text").asText();
        int cut = full.indexOf('\n');
        assertTrue(cut > 0, "the synthetic text has a newline within 64 tokens: " + full);

        // the harness sends `until` plus the EOS string, with no limit on their number
        ObjectNode generate = open.deepCopy();
        generate.putArray("stop").add("\n\n").add("Question:").add("\n").add("Ответ:").add("</s>").add("<|eot_id|>");
        JsonNode r = post("/v1/completions", generate, 200);
        JsonNode choice = r.path("choices").get(0);
        assertEquals(full.substring(0, cut), choice.path("text").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
        assertEquals("\n", choice.path("stop_reason").asText());
        assertTrue(choice.path("logprobs").isNull());
    }

    @Test
    void textPromptsGetTheBosUnlessToldNotTo() {
        ObjectNode body = MAPPER.createObjectNode().put("prompt", "Hello, world!").put("max_tokens", 2).put("echo", true);
        JsonNode r = post("/v1/completions", body, 200);
        assertEquals(5, r.path("usage").path("prompt_tokens").asInt());
        assertTrue(r.path("choices").get(0).path("text").asText().startsWith("Hello, world!"));
        body.put("add_special_tokens", false);
        assertEquals(4, post("/v1/completions", body, 200).path("usage").path("prompt_tokens").asInt());
    }

    @Test
    void echoWithNoBudgetReturnsThePromptAlone() {
        ObjectNode body = loglikelihood(PROMPT).put("max_tokens", 0);
        JsonNode r = post("/v1/completions", body, 200);
        JsonNode choice = r.path("choices").get(0);
        assertEquals("<|begin_of_text|>Hello, world!", choice.path("text").asText());
        assertEquals(PROMPT.length, choice.path("logprobs").path("token_logprobs").size());
        assertEquals(0, r.path("usage").path("completion_tokens").asInt());
        body.remove("logprobs");
        assertEquals("<|begin_of_text|>Hello, world!",
                post("/v1/completions", body, 200).path("choices").get(0).path("text").asText());
    }

    @Test
    void streamingGivesTheSameTextChunkByChunkWithUsage() {
        ObjectNode body = MAPPER.createObjectNode().put("prompt", "Once upon a time").put("max_tokens", 20)
                .put("temperature", 0).put("logprobs", 2);
        body.putArray("stop").add("🙂");
        JsonNode whole = post("/v1/completions", body, 200);
        body.put("stream", true).putObject("stream_options").put("include_usage", true)
                .put("continuous_usage_stats", true);
        Response r = given().contentType("application/json").body(body.toString()).post("/v1/completions");
        assertEquals(200, r.statusCode());
        assertTrue(r.contentType().startsWith("text/event-stream"));
        SseStream stream = SseStream.parse(r.asString());
        assertTrue(stream.done());
        StringBuilder text = new StringBuilder();
        List<String> tokens = new ArrayList<>();
        int lastCount = 0;
        JsonNode finish = null;
        for (JsonNode e : stream.events()) {
            assertEquals("text_completion", e.path("object").asText());
            for (JsonNode c : e.path("choices")) {
                text.append(c.path("text").asText());
                c.path("logprobs").path("tokens").forEach(t -> tokens.add(t.asText()));
                if (c.hasNonNull("finish_reason")) {
                    finish = c;
                }
                int count = e.path("usage").path("completion_tokens").asInt();
                assertTrue(count >= lastCount, "usage so far only grows");
                lastCount = count;
            }
        }
        JsonNode expected = whole.path("choices").get(0);
        assertEquals(expected.path("text").asText(), text.toString());
        assertEquals(expected.path("finish_reason").asText(), finish.path("finish_reason").asText());
        List<String> expectedTokens = new ArrayList<>();
        expected.path("logprobs").path("tokens").forEach(t -> expectedTokens.add(t.asText()));
        assertEquals(expectedTokens, tokens);
        JsonNode usage = stream.events().get(stream.events().size() - 1);
        assertEquals(0, usage.path("choices").size());
        assertEquals(whole.path("usage"), usage.path("usage"));
    }

    static Stream<Arguments> badRequests() {
        String longPrompt = "word ".repeat(5000);
        return Stream.of(
                Arguments.of("{\"prompt\": \"x\", \"suffix\": \"y\"}", "suffix", "suffix is not currently supported"),
                Arguments.of("{\"prompt\": \"x\", \"logprobs\": -1}", "logprobs", "`logprobs` must be a positive value."),
                Arguments.of("{\"prompt\": \"x\", \"logprobs\": 21}", "logprobs", "greater than max allowed: 20"),
                Arguments.of("{\"prompt\": []}", "prompt", "The decoder prompt cannot be empty"),
                Arguments.of("{\"prompt\": [[]]}", "prompt", "The decoder prompt cannot be empty"),
                Arguments.of("{\"max_tokens\": 3}", "prompt", "`prompt` is required"),
                Arguments.of("{\"prompt\": [1, 999999]}", "prompt", "Token id 999999 is out of vocabulary"),
                Arguments.of("{\"prompt\": [1, -2]}", "prompt", "Token id -2 is out of vocabulary"),
                Arguments.of("{\"prompt\": [1, 2.5]}", "prompt", "Token id 2.5 is out of vocabulary"),
                Arguments.of("{\"prompt\": [{\"a\": 1}]}", "prompt", "found object in the list"),
                Arguments.of("{\"prompt\": \"" + longPrompt + "\"}", "prompt", "exceeds model's maximum context length"),
                Arguments.of("{\"prompt\": \"x\", \"max_tokens\": 5000}", "max_tokens", "maximum context length is 4096"),
                Arguments.of("{\"prompt\": \"x\", \"max_tokens\": 0}", "max_tokens", "max_tokens must be at least 1, got 0."),
                Arguments.of("{\"prompt\": \"x\", \"stream_options\": {\"include_usage\": true}}", "stream_options",
                        "Stream options can only be defined when `stream=True`."),
                Arguments.of("{\"prompt\": \"x\", \"n\": 2, \"temperature\": 0}", "n", "n must be 1 when using greedy"),
                Arguments.of("{\"prompt\": \"x\", \"model\": \"gpt-4\"}", "model", "The model `gpt-4` does not exist."));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void badRequestsGetTheOpenAiErrorNamingTheField(String body, String param, String message) {
        Response r = given().contentType("application/json").body(body).post("/v1/completions");
        int status = param.equals("model") ? 404 : 400;
        assertEquals(status, r.statusCode(), r.asString());
        assertEquals(param, r.path("error.param"));
        assertEquals(status, (int) r.path("error.code"));
        assertTrue(r.<String>path("error.message").contains(message), r.asString());
    }

    @Test
    void taggedCompletionsAreScoredLikeChatOnes() {
        String run = "completions-" + System.nanoTime();
        ObjectNode body = MAPPER.createObjectNode().put("prompt", "Answer: ").put("max_tokens", 3);
        body.putObject("metadata").put("eval_run", run).put("task", "parus").put("doc_id", "7");
        JsonNode r = post("/v1/completions", body, 200);
        Awaitility.await().until(() -> given().get("/v1/evals/runs/" + run).statusCode() == 200);
        JsonNode samples;
        try {
            samples = MAPPER.readTree(given().get("/v1/evals/runs/" + run + "/samples").asString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals(1, samples.path("data").size());
        assertEquals("7", samples.path("data").get(0).path("doc_id").asText());
        assertEquals(r.path("choices").get(0).path("text").asText(),
                samples.path("data").get(0).path("outputs").get(0).asText());
        assertEquals(r.path("id").asText(), samples.path("data").get(0).path("request").path("id").asText());
    }

    @Test
    void chatLogprobsListEveryGeneratedTokenWithItsTopAlternatives() {
        ObjectNode body = SyntheticServingTest.request(6);
        body.put("temperature", 0).put("logprobs", true).put("top_logprobs", 3);
        JsonNode r = post("/v1/chat/completions", body, 200);
        JsonNode content = r.path("choices").get(0).path("logprobs").path("content");
        assertEquals(6, content.size());
        StringBuilder text = new StringBuilder();
        for (JsonNode t : content) {
            text.append(t.path("token").asText());
            assertEquals(3, t.path("top_logprobs").size());
            assertEquals(t.path("token"), t.path("top_logprobs").get(0).path("token"));
            assertEquals(t.path("logprob"), t.path("top_logprobs").get(0).path("logprob"));
            byte[] utf8 = t.path("token").asText().getBytes(StandardCharsets.UTF_8);
            assertEquals(utf8.length, t.path("bytes").size());
            assertTrue(List.of(-0.125, -0.25, -0.375, -0.5).contains(t.path("logprob").asDouble()), t.toString());
        }
        assertEquals(r.path("choices").get(0).path("message").path("content").asText(), text.toString());

        body.put("stream", true);
        Response streamed = given().contentType("application/json").body(body.toString()).post("/v1/chat/completions");
        List<JsonNode> streamedTokens = new ArrayList<>();
        for (JsonNode e : SseStream.parse(streamed.asString()).events()) {
            e.path("choices").get(0).path("logprobs").path("content").forEach(streamedTokens::add);
        }
        List<JsonNode> expected = new ArrayList<>();
        content.forEach(expected::add);
        assertEquals(expected, streamedTokens);
    }

    @Test
    void chatTopLogprobsNeedLogprobs() {
        ObjectNode body = SyntheticServingTest.request(2).put("top_logprobs", 2);
        JsonNode error = post("/v1/chat/completions", body, 400).path("error");
        assertEquals("top_logprobs", error.path("param").asText());
        body.put("logprobs", true).put("top_logprobs", 21);
        assertTrue(post("/v1/chat/completions", body, 400).path("error").path("message").asText()
                .contains("greater than max allowed: 20"));
        assertFalse(post("/v1/chat/completions", SyntheticServingTest.request(2), 200).path("choices").get(0)
                .hasNonNull("logprobs"));
    }
}
