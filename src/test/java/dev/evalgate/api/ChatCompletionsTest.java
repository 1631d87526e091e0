package dev.evalgate.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** End to end on the real embedded llama.cpp engine with the generated default model. */
@QuarkusTest
class ChatCompletionsTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String MODEL = "evalgate-tiny-llama-3.1";

    static ObjectNode request(String user, int maxTokens) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("model", MODEL);
        body.putArray("messages").addObject().put("role", "user").put("content", user);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        return body;
    }

    static JsonNode complete(ObjectNode body) {
        Response r = given().contentType("application/json").body(body.toString()).post("/v1/chat/completions");
        assertEquals(200, r.statusCode(), r.asString());
        try {
            return MAPPER.readTree(r.asString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static SseStream stream(ObjectNode body) {
        ObjectNode streaming = body.deepCopy();
        streaming.put("stream", true);
        Response r = given().contentType("application/json").body(streaming.toString()).post("/v1/chat/completions");
        assertEquals(200, r.statusCode(), r.asString());
        assertTrue(r.contentType().startsWith("text/event-stream"), r.contentType());
        return SseStream.parse(r.asString());
    }

    @Test
    void modelsListTheServedModel() {
        given().get("/v1/models").then().statusCode(200)
                .body("object", equalTo("list"))
                .body("data.id", hasItem(MODEL))
                .body("data[0].object", equalTo("model"))
                .body("data[0].max_model_len", equalTo(2048));
        given().get("/v1/models/" + MODEL).then().statusCode(200).body("id", equalTo(MODEL));
        given().get("/v1/models/nope").then().statusCode(404)
                .body("error.type", equalTo("NotFoundError")).body("error.code", equalTo(404));
        given().get("/health").then().statusCode(200).body(equalTo(""));
    }

    @Test
    void nonStreamingCompletionHasTheOpenAiShapeAndExactUsage() {
        JsonNode r = complete(request("Hello there", 12));
        assertTrue(r.path("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", r.path("object").asText());
        assertEquals(MODEL, r.path("model").asText());
        JsonNode choice = r.path("choices").get(0);
        assertEquals("assistant", choice.path("message").path("role").asText());
        assertFalse(choice.path("message").path("content").asText().isEmpty());
        JsonNode usage = r.path("usage");
        assertEquals(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt(),
                usage.path("total_tokens").asInt());
        // the Llama 3.1 template's system header plus the user turn: far more than the 2 words sent
        assertTrue(usage.path("prompt_tokens").asInt() > 20, usage.toString());
        // greedy decoding of the default model runs the whole budget here: no end-of-turn token comes first
        assertEquals("length", choice.path("finish_reason").asText());
        assertEquals(12, usage.path("completion_tokens").asInt());
    }

    @Test
    void greedyIsDeterministicAndStreamingGivesTheSameText() {
        ObjectNode body = request("Write a long story about a cat.", 40);
        JsonNode first = complete(body);
        JsonNode second = complete(body);
        String text = first.path("choices").get(0).path("message").path("content").asText();
        assertEquals(text, second.path("choices").get(0).path("message").path("content").asText());

        SseStream s = stream(body);
        assertTrue(s.done(), "stream must end with data: [DONE]");
        assertEquals(text, s.content(0));
        assertEquals(first.path("choices").get(0).path("finish_reason").asText(),
                s.finishChoice(0).path("finish_reason").asText());
    }

    @Test
    void streamIsWellFormed() {
        ObjectNode body = request("Count to ten", 16);
        ObjectNode options = body.putObject("stream_options");
        options.put("include_usage", true);
        SseStream s = stream(body);
        assertTrue(s.done());
        List<JsonNode> events = s.events();
        JsonNode firstChunk = events.get(0);
        assertEquals("assistant", firstChunk.path("choices").get(0).path("delta").path("role").asText());
        Set<String> ids = new HashSet<>();
        Set<Long> created = new HashSet<>();
        Set<String> models = new HashSet<>();
        for (JsonNode e : events) {
            ids.add(e.path("id").asText());
            created.add(e.path("created").asLong());
            models.add(e.path("model").asText());
            assertEquals("chat.completion.chunk", e.path("object").asText());
        }
        assertEquals(1, ids.size());
        assertEquals(1, created.size());
        assertEquals(Set.of(MODEL), models);
        JsonNode last = events.get(events.size() - 1);
        assertEquals(0, last.path("choices").size(), "usage chunk has empty choices");
        JsonNode usage = last.path("usage");
        assertEquals(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt(),
                usage.path("total_tokens").asInt());
        JsonNode nonStream = complete(request("Count to ten", 16));
        assertEquals(nonStream.path("usage"), usage);
        for (JsonNode e : events.subList(0, events.size() - 1)) {
            assertFalse(e.has("usage"), "only the last chunk carries usage");
        }
    }

    @Test
    void withoutIncludeUsageThereIsNoUsageChunk() {
        SseStream s = stream(request("Hi", 4));
        assertTrue(s.done());
        for (JsonNode e : s.events()) {
            assertFalse(e.has("usage"));
            assertEquals(1, e.path("choices").size());
        }
    }

    @Test
    void maxTokensEndsWithLengthAndExactCount() {
        for (int max : new int[] {1, 3, 7}) {
            ObjectNode body = request("Tell me everything about the sea", max);
            body.put("ignore_me", "unknown fields are ignored");
            JsonNode r = complete(body);
            // the default model's greedy text runs past 7 tokens, so every budget ends it
            assertEquals("length", r.path("choices").get(0).path("finish_reason").asText(), "max_tokens " + max);
            assertEquals(max, r.path("usage").path("completion_tokens").asInt(), "max_tokens " + max);
        }
    }

    /** Cuts the greedy text with a stop string taken from inside it; both modes must cut at the same place. */
    @Test
    void stopStringsCutExactlyAndNeverLeak() {
        ObjectNode base = request("Write a long story about a dog.", 48);
        String full = complete(base).path("choices").get(0).path("message").path("content").asText();
        assertTrue(full.length() > 12, "need some text to cut: " + full);
        int at = full.length() / 2;
        String stop = full.substring(at, Math.min(full.length(), at + 3));
        int cut = full.indexOf(stop);
        ObjectNode body = base.deepCopy();
        ArrayNodeBuilder.stops(body, List.of("\u0000never-1", "\u0000never-2", stop, "\u0000never-3", "\u0000never-4",
                "\u0000never-5"));
        JsonNode r = complete(body);
        JsonNode choice = r.path("choices").get(0);
        assertEquals(full.substring(0, cut), choice.path("message").path("content").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
        assertEquals(stop, choice.path("stop_reason").asText());

        SseStream s = stream(body);
        assertEquals(full.substring(0, cut), s.content(0));
        assertEquals(stop, s.finishChoice(0).path("stop_reason").asText());
        assertEquals("stop", s.finishChoice(0).path("finish_reason").asText());

        body.put("include_stop_str_in_output", true);
        assertEquals(full.substring(0, cut + stop.length()),
                complete(body).path("choices").get(0).path("message").path("content").asText());
        assertEquals(full.substring(0, cut + stop.length()), stream(body).content(0));
    }

    @Test
    void stopAtTheVeryStartGivesEmptyContent() {
        ObjectNode base = request("Say something", 16);
        String full = complete(base).path("choices").get(0).path("message").path("content").asText();
        assertFalse(full.isEmpty());
        ObjectNode body = base.deepCopy();
        body.put("stop", full.substring(0, 1));
        JsonNode r = complete(body);
        assertEquals("", r.path("choices").get(0).path("message").path("content").asText());
        assertEquals("stop", r.path("choices").get(0).path("finish_reason").asText());
        SseStream s = stream(body);
        assertEquals("", s.content(0));
        assertTrue(s.done());
    }

    @Test
    void contentPartsAndExtraMessageFieldsAreAccepted() {
        String text = complete(request("Hello", 8)).path("choices").get(0).path("message").path("content").asText();
        ObjectNode body = request("ignored", 8);
        ObjectNode msg = (ObjectNode) body.path("messages").get(0);
        msg.put("type", "text");
        msg.putArray("content").addObject().put("type", "text").put("text", "Hello");
        assertEquals(text, complete(body).path("choices").get(0).path("message").path("content").asText());
    }

    @Test
    void samplingWithSeedIsReproducibleAndNGivesSeveralChoices() {
        ObjectNode body = request("Pick a random word", 10);
        body.put("temperature", 1.0);
        body.put("top_p", 0.9);
        body.put("top_k", 50);
        body.put("seed", 1234);
        body.put("n", 2);
        JsonNode a = complete(body);
        JsonNode b = complete(body);
        assertEquals(2, a.path("choices").size());
        assertEquals(a.path("choices"), b.path("choices"));
        SseStream s = stream(body);
        assertEquals(a.path("choices").get(0).path("message").path("content").asText(), s.content(0));
        assertEquals(a.path("choices").get(1).path("message").path("content").asText(), s.content(1));
        assertNotEquals(null, s.finishChoice(1));
    }

    static List<Object[]> badRequests() {
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {"malformed JSON", "{\"messages\": [", 400, null});
        cases.add(new Object[] {"not an object", "[1,2]", 400, null});
        cases.add(new Object[] {"missing messages", "{\"model\":\"" + MODEL + "\"}", 400, "messages"});
        cases.add(new Object[] {"empty messages", "{\"messages\":[]}", 400, "messages"});
        cases.add(new Object[] {"message without role", "{\"messages\":[{\"content\":\"x\"}]}", 400, "messages"});
        cases.add(new Object[] {"negative temperature", msg("\"temperature\":-1"), 400, "temperature"});
        cases.add(new Object[] {"top_p zero", msg("\"top_p\":0"), 400, "top_p"});
        cases.add(new Object[] {"top_p above one", msg("\"top_p\":1.5"), 400, "top_p"});
        cases.add(new Object[] {"top_k below -1", msg("\"top_k\":-2"), 400, "top_k"});
        cases.add(new Object[] {"max_tokens zero", msg("\"max_tokens\":0"), 400, "max_tokens"});
        cases.add(new Object[] {"max_completion_tokens zero", msg("\"max_completion_tokens\":0"), 400, "max_tokens"});
        cases.add(new Object[] {"n zero", msg("\"n\":0"), 400, "n"});
        cases.add(new Object[] {"n with greedy", msg("\"n\":2,\"temperature\":0"), 400, "n"});
        cases.add(new Object[] {"stream_options without stream", msg("\"stream_options\":{\"include_usage\":true}"),
                400, "stream_options"});
        cases.add(new Object[] {"empty stop", msg("\"stop\":[\"a\",\"\"]"), 400, "stop"});
        cases.add(new Object[] {"stop of numbers", msg("\"stop\":[1]"), 400, "stop"});
        cases.add(new Object[] {"wrong type", msg("\"temperature\":\"hot\""), 400, "temperature"});
        cases.add(new Object[] {"context overflow", msg("\"max_tokens\":100000"), 400, "max_tokens"});
        cases.add(new Object[] {"unknown model", "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                404, "model"});
        return cases;
    }

    static String msg(String extra) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + extra + "}";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badRequestsGetTheOpenAiErrorShape(String name, String body, int status, String param) {
        Response r = given().contentType("application/json").body(body).post("/v1/chat/completions");
        assertEquals(status, r.statusCode(), r.asString());
        JsonNode error;
        try {
            error = MAPPER.readTree(r.asString()).path("error");
        } catch (Exception e) {
            throw new AssertionError(r.asString(), e);
        }
        assertFalse(error.path("message").asText().isEmpty());
        assertFalse(error.path("type").asText().isEmpty());
        assertEquals(status, error.path("code").asInt());
        assertTrue(error.has("param"));
        if (param == null) {
            assertTrue(error.path("param").isNull() || !error.path("param").asText().isEmpty());
        } else {
            assertEquals(param, error.path("param").asText(), error.toString());
        }
    }

    @Test
    void wrongContentTypeIs400NotUnsupportedMedia() {
        given().contentType("text/plain").body("hello").post("/v1/chat/completions").then().statusCode(400)
                .body("error.code", equalTo(400)).body("error.message", notNullValue());
    }

    @Test
    void anEmptyBearerTokenIsAccepted() {
        given().header("Authorization", "Bearer ").contentType("application/json")
                .body(request("hi", 2).toString()).post("/v1/chat/completions").then().statusCode(200);
    }

    /** Builds a JSON stop list. */
    static final class ArrayNodeBuilder {
        static void stops(ObjectNode body, List<String> stops) {
            var arr = body.putArray("stop");
            stops.forEach(arr::add);
        }
    }
}
