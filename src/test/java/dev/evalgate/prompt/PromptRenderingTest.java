package dev.evalgate.prompt;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.evalgate.prompt.jinja.ChatTemplate;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * What the model sees, checked against Python: random conversations go through {@code /tokenize} and
 * {@code /detokenize} and must come back as exactly what jinja2, configured as transformers configures it, renders
 * (with the MERA system prompt added where the conversation has none, the default policy).
 */
@QuarkusTest
class PromptRenderingTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String[] FRAGMENTS = {"Привет, мир!", "  leading and trailing  ", "\n\nnew\nlines\n", "{{ not a template }}",
            "{% if x %}raw{% endif %}", "emoji 🙂🚀", "tab\there", "quotes \" and ' and \\", "<|eot_id|> inside",
            "\u00a0nbsp\u00a0", "2+2=?", "Ответ: A", "日本語", "", "x"};

    @jakarta.inject.Inject
    dev.evalgate.engine.InferenceEngine engine;

    static List<ObjectNode> conversations;
    static List<JsonNode> expected;

    @BeforeAll
    static void renderWithPython() throws Exception {
        Random random = new Random(20241128);
        conversations = new ArrayList<>();
        ArrayNode contexts = MAPPER.createArrayNode();
        for (int i = 0; i < 40; i++) {
            ObjectNode request = conversation(random, i);
            conversations.add(request);
            ObjectNode context = request.deepCopy();
            ArrayNode messages = (ArrayNode) context.get("messages");
            if (!messages.get(0).path("role").asText().equals("system")) {
                messages.insert(0, MAPPER.createObjectNode().put("role", "system")
                        .put("content", SystemPromptPolicy.MERA_SYSTEM_PROMPT));
            }
            if (context.has("chat_template_kwargs")) {
                context.setAll((ObjectNode) context.remove("chat_template_kwargs"));
            }
            context.put("bos_token", "<|begin_of_text|>");
            context.put("eos_token", "<|eot_id|>");
            contexts.add(context);
        }
        ObjectNode input = MAPPER.createObjectNode();
        input.put("template", ChatTemplate.llama31DefaultSource());
        input.set("cases", contexts);
        File script = Path.of("src/test/resources/jinja2/render_like_transformers.py").toFile();
        Process python = new ProcessBuilder("python3", script.getPath()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        python.getOutputStream().write(MAPPER.writeValueAsBytes(input));
        python.getOutputStream().close();
        byte[] out = python.getInputStream().readAllBytes();
        assertTrue(python.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, python.exitValue(), "python3 with jinja2 must be installed (Debian: python3-jinja2)");
        expected = new ArrayList<>();
        MAPPER.readTree(new String(out, StandardCharsets.UTF_8)).forEach(expected::add);
        assertEquals(conversations.size(), expected.size());
    }

    static ObjectNode conversation(Random random, int i) {
        ObjectNode request = MAPPER.createObjectNode();
        ArrayNode messages = request.putArray("messages");
        if (random.nextBoolean()) {
            messages.addObject().put("role", "system").put("content", text(random));
        }
        int turns = 1 + random.nextInt(4);
        for (int t = 0; t < turns; t++) {
            messages.addObject().put("role", "user").put("content", text(random));
            if (t < turns - 1 || random.nextInt(4) == 0) {
                ObjectNode assistant = messages.addObject().put("role", "assistant");
                if (random.nextInt(6) == 0) {
                    // one tool call per message is all this template allows; two make it raise
                    ArrayNode calls = assistant.putArray("tool_calls");
                    int n = random.nextInt(5) == 0 ? 2 : 1;
                    for (int c = 0; c < n; c++) {
                        ObjectNode f = calls.addObject().put("type", "function").putObject("function");
                        f.put("name", "lookup");
                        f.putObject("arguments").put("query", text(random)).put("limit", 3);
                    }
                    messages.addObject().put("role", "tool").put("content", text(random));
                } else {
                    assistant.put("content", text(random));
                }
            }
        }
        request.put("add_generation_prompt", random.nextBoolean());
        if (random.nextInt(5) == 0) {
            ObjectNode fn = request.putArray("tools").addObject().put("type", "function").putObject("function");
            fn.put("name", "lookup").put("description", "Ищет " + text(random));
            fn.putObject("parameters").put("type", "object").putObject("properties").putObject("query").put("type",
                    "string");
        }
        if (random.nextInt(4) == 0) {
            request.putObject("chat_template_kwargs").put("date_string", "0" + (1 + i % 9) + " Jan 2025");
        }
        return request;
    }

    static String text(Random random) {
        StringBuilder sb = new StringBuilder();
        int parts = 1 + random.nextInt(3);
        for (int p = 0; p < parts; p++) {
            sb.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
        }
        return sb.toString();
    }

    @Test
    void tokenizeThenDetokenizeGivesExactlyWhatJinja2Renders() throws Exception {
        int failures = 0;
        for (int i = 0; i < conversations.size(); i++) {
            ObjectNode request = conversations.get(i);
            JsonNode want = expected.get(i);
            Response tokenized = given().contentType("application/json").body(request.toString()).post("/tokenize");
            if (!want.path("ok").asBoolean()) {
                failures++;
                assertEquals(400, tokenized.statusCode(), tokenized.asString());
                assertEquals(want.path("error").asText(), tokenized.jsonPath().getString("error.message"));
                continue;
            }
            assertEquals(200, tokenized.statusCode(), tokenized.asString());
            JsonNode tokens = MAPPER.readTree(tokenized.asString());
            assertEquals(tokens.path("tokens").size(), tokens.path("count").asInt());
            assertEquals(128000, tokens.path("tokens").get(0).asInt(), "one BOS, from the template");
            assertTrue(tokens.path("tokens").get(1).asInt() != 128000, "no second BOS");
            // llama.cpp's own tokenizer agrees with the Hugging Face one on what the engine receives
            int[] engineIds = engine.tokenize(want.path("out").asText());
            assertEquals(tokens.path("tokens").toString(), java.util.Arrays.toString(engineIds).replace(" ", ""));
            String expectedHeader = request.path("messages").get(0).path("role").asText().equals("system") ? "client"
                    : "default";
            assertEquals(expectedHeader, tokenized.header("X-Evalgate-System-Prompt"));
            ObjectNode detok = MAPPER.createObjectNode();
            detok.set("tokens", tokens.path("tokens"));
            String text = given().contentType("application/json").body(detok.toString()).post("/detokenize").then()
                    .statusCode(200).extract().jsonPath().getString("prompt");
            assertEquals(want.path("out").asText(), text, "conversation " + i + ": " + request);
        }
        assertTrue(failures > 0 && failures < conversations.size() / 2, "some, not most, cases exercise raise_exception");
    }

    @Test
    void usagePromptTokensEqualsTokenizeCount() throws Exception {
        for (ObjectNode request : conversations.subList(0, 12)) {
            Response tokenized = given().contentType("application/json").body(request.toString()).post("/tokenize");
            if (tokenized.statusCode() != 200) {
                continue;
            }
            ObjectNode chat = request.deepCopy();
            chat.put("max_tokens", 2);
            chat.put("temperature", 0);
            Response completion = given().contentType("application/json").body(chat.toString())
                    .post("/v1/chat/completions");
            assertEquals(200, completion.statusCode(), completion.asString());
            assertEquals(tokenized.jsonPath().getInt("count"), completion.jsonPath().getInt("usage.prompt_tokens"));
            assertEquals(tokenized.header("X-Evalgate-System-Prompt"), completion.header("X-Evalgate-System-Prompt"));
        }
    }
}
