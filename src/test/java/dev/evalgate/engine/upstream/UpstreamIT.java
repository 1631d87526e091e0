package dev.evalgate.engine.upstream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.evalgate.GatewayProcess;

/**
 * evalgate in front of evalgate, all three packaged and started as users start them: two gateways on the embedded
 * llama.cpp engine (the tiny deterministic default model) and a third with {@code evalgate.engine=upstream} pointing
 * at both, in prompt mode with the model's tokenizer. The front must answer as an embedded gateway does, byte for byte
 * but for {@code id} and {@code created}; a client that leaves must stop the upstream's generation; a killed upstream
 * must end its stream with an error and leave the pool serving; lm-evaluation-harness's payloads must get their answers.
 *
 * <p>The upstreams decode one sequence at a time ({@code parallel=1}): llama.cpp's results depend on which sequences
 * share a batch, so {@code n > 1} is only comparable when every sequence is decoded alone, as it then is on both paths
 * (the front spreads the choices over the pool; the embedded gateway decodes them one after another).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpstreamIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = "evalgate-tiny-llama-3.1";
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path dir;
    static GatewayProcess upstreamA;
    static GatewayProcess upstreamB;
    static GatewayProcess front;

    @BeforeAll
    static void startThreeGateways() throws IOException {
        Map<String, String> oneSlot = Map.of("evalgate.engine.llamacpp.parallel", "1");
        upstreamA = GatewayProcess.launch(dir.resolve("a"), "llamacpp", oneSlot);
        upstreamB = GatewayProcess.launch(dir.resolve("b"), "llamacpp", oneSlot);
        upstreamA.awaitHealthy();
        upstreamB.awaitHealthy();
        front = GatewayProcess.start(dir.resolve("front"), "upstream", Map.of(
                "evalgate.engine.upstream.urls", upstreamA.baseUri() + "," + upstreamB.baseUri(),
                "evalgate.tokenizer", dir.resolve("a").resolve("models").resolve(MODEL).toAbsolutePath().toString()));
    }

    @AfterAll
    static void stopThem() {
        if (front != null) {
            front.stop();
        }
        if (upstreamA != null) {
            upstreamA.close();
        }
        if (upstreamB != null) {
            upstreamB.close();
        }
    }

    // ---- (a) the front answers as an embedded gateway does ----

    static ObjectNode chat(String user, int maxTokens) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", MODEL);
        body.putArray("messages").addObject().put("role", "user").put("content", user);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        return body;
    }

    static ObjectNode with(ObjectNode body, String field, Object value) {
        body.set(field, JSON.valueToTree(value));
        return body;
    }

    /**
     * The greedy answer to "Привет! Как дела?" begins {@code airro思想 Morris pavтор Shiitefront recruit Ön(ts.');\n
     * largely(userDatalaz}: the stop strings below are cut from it.
     */
    static final String HELLO = "Привет! Как дела?";

    static Stream<Arguments> chatCorpus() {
        ObjectNode clientSystem = chat("Столица Франции?", 12);
        ((ArrayNode) clientSystem.get("messages")).insertObject(0).put("role", "system").put("content", "Be brief.");
        ObjectNode conversation = chat("And then?", 10);
        ArrayNode turns = (ArrayNode) conversation.get("messages");
        turns.insertObject(0).put("role", "user").put("content", "Tell me a story.");
        turns.insertObject(1).put("role", "assistant").put("content", "Once upon a time");
        ObjectNode parts = chat("", 8);
        ((ObjectNode) parts.get("messages").get(0)).putArray("content").addObject().put("type", "text")
                .put("text", "Write a haiku about the sea.");
        return Stream.of(
                Arguments.of("greedy, the default system prompt", chat(HELLO, 16)),
                Arguments.of("the client's own system prompt", clientSystem),
                Arguments.of("a conversation with an assistant turn", conversation),
                Arguments.of("content as parts", parts),
                Arguments.of("max_tokens cuts", chat("Write a haiku about the sea.", 3)),
                Arguments.of("several stops, multi-character, the earliest hit wins",
                        with(chat(HELLO, 40), "stop", List.of("never in this text", "(ts.", "Shiite"))),
                Arguments.of("a stop across two tokens", with(chat(HELLO, 40), "stop", List.of("思想 Mor"))),
                Arguments.of("a stop kept in the output",
                        with(with(chat(HELLO, 40), "stop", List.of("recruit")), "include_stop_str_in_output", true)),
                Arguments.of("stops that never hit", with(chat(HELLO, 12), "stop", List.of("\n\n\n", "NEVER", "Question:"))),
                Arguments.of("n=2 sampled with a seed", with(with(with(with(chat("Pick a random word", 12),
                        "temperature", 0.9), "top_p", 0.9), "seed", 1234), "n", 2)),
                Arguments.of("n=3 sampled with a seed and a stop", with(with(with(with(with(chat("Pick a random word", 16),
                        "temperature", 1.0), "top_k", 40), "seed", 7), "n", 3), "stop", List.of("e"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chatCorpus")
    @Order(1)
    void chatAnswersAreTheEmbeddedGatewaysByteForByte(String name, ObjectNode body) throws Exception {
        Answer direct = post(upstreamA, "/v1/chat/completions", body.toString());
        assertEquals(200, direct.status(), direct.body());
        assertSame(direct, post(front, "/v1/chat/completions", body.toString()), "not streamed");

        ObjectNode streaming = body.deepCopy().put("stream", true);
        Answer directStream = post(upstreamA, "/v1/chat/completions", streaming.toString());
        assertTrue(directStream.body().endsWith("data: [DONE]\n\n"), directStream.body());
        assertSame(directStream, post(front, "/v1/chat/completions", streaming.toString()), "streamed");

        streaming.putObject("stream_options").put("include_usage", true);
        directStream = post(upstreamA, "/v1/chat/completions", streaming.toString());
        assertTrue(directStream.body().contains("\"usage\":{\"prompt_tokens\""), directStream.body());
        assertSame(directStream, post(front, "/v1/chat/completions", streaming.toString()), "streamed with usage");
    }

    @Test
    @Order(1)
    void theStopStringsOfTheCorpusDoHit() throws Exception {
        JsonNode cut = JSON.readTree(post(front, "/v1/chat/completions",
                with(chat(HELLO, 40), "stop", List.of("never in this text", "(ts.", "Shiite")).toString()).body());
        assertEquals("Shiite", cut.at("/choices/0/stop_reason").asText());
        assertEquals("airro思想 Morris pavтор ", cut.at("/choices/0/message/content").asText());
        JsonNode across = JSON.readTree(post(front, "/v1/chat/completions",
                with(chat(HELLO, 40), "stop", List.of("思想 Mor")).toString()).body());
        assertEquals("airro", across.at("/choices/0/message/content").asText());
    }

    static Stream<Arguments> errorCorpus() {
        String hi = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],";
        return Stream.of(
                Arguments.of("bad temperature", "/v1/chat/completions", hi + "\"temperature\":-1}"),
                Arguments.of("budget past the context", "/v1/chat/completions", hi + "\"max_tokens\":100000}"),
                Arguments.of("prompt past the context", "/v1/chat/completions",
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "слово ".repeat(5000) + "\"}],"
                                + "\"max_tokens\":5}"),
                Arguments.of("unknown model", "/v1/chat/completions",
                        "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                Arguments.of("n with greedy", "/v1/chat/completions", hi + "\"n\":2,\"temperature\":0}"),
                Arguments.of("stream_options without stream", "/v1/chat/completions",
                        hi + "\"stream_options\":{\"include_usage\":true}}"),
                Arguments.of("malformed JSON", "/v1/chat/completions", "{\"messages\": ["),
                Arguments.of("completions: token id out of vocabulary", "/v1/completions",
                        "{\"prompt\":[1,2,999999],\"max_tokens\":2}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errorCorpus")
    @Order(1)
    void errorsAreTheEmbeddedGatewaysWithTheSameStatusAndBody(String name, String path, String body) throws Exception {
        Answer direct = post(upstreamA, path, body);
        assertTrue(direct.status() >= 400, direct.body());
        assertSame(direct, post(front, path, body), name);
    }

    @Test
    @Order(1)
    void textCompletionsAreTheEmbeddedGatewaysToo() throws Exception {
        String body = "{\"model\":\"" + MODEL + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":16,"
                + "\"temperature\":0,\"stop\":[\"never\",\"zzz\"],\"echo\":true}";
        assertSame(post(upstreamA, "/v1/completions", body), post(front, "/v1/completions", body), "not streamed");
        String streamed = body.replace("\"echo\":true", "\"stream\":true,\"stream_options\":{\"include_usage\":true}");
        assertSame(post(upstreamA, "/v1/completions", streamed), post(front, "/v1/completions", streamed), "streamed");
    }

    // ---- (d) lm-evaluation-harness's local-completions payloads ----

    static String harnessIds() throws Exception {
        JsonNode tokens = JSON.readTree(post(front, "/tokenize", "{\"prompt\":\"Question: What is the capital of "
                + "France?\\nAnswer:\",\"add_special_tokens\":false}").body()).path("tokens");
        assertTrue(tokens.size() > 5, tokens.toString());
        return tokens.toString();
    }

    @Test
    @Order(1)
    void theHarnessGenerateUntilPayloadGetsATextCompletion() throws Exception {
        String body = "{\"prompt\":[" + harnessIds() + "],\"model\":\"" + MODEL + "\",\"max_tokens\":32,"
                + "\"temperature\":0,\"stop\":[\"\\n\\n\",\"Question:\",\"</s>\",\"<|eot_id|>\",\"###\",\"Answer:\"],"
                + "\"seed\":1234}";
        Answer answer = post(front, "/v1/completions", body);
        assertEquals(200, answer.status(), answer.body());
        JsonNode json = JSON.readTree(answer.body());
        assertEquals("text_completion", json.path("object").asText());
        assertEquals(1, json.path("choices").size());
        JsonNode choice = json.path("choices").get(0);
        assertEquals(0, choice.path("index").asInt());
        assertTrue(choice.path("text").isTextual());
        assertFalse(choice.path("text").asText().contains("\n\n"), "cut at the stop, which is not shown");
        assertTrue(List.of("stop", "length").contains(choice.path("finish_reason").asText()), choice.toString());
        assertSame(post(upstreamA, "/v1/completions", body), answer, "as the embedded gateway answers");
    }

    @Test
    @Order(1)
    void theHarnessLoglikelihoodPayloadGetsAClear400NamingTheEngineAndWhy() throws Exception {
        String body = "{\"prompt\":[" + harnessIds() + "],\"temperature\":0,\"max_tokens\":1,\"logprobs\":1,"
                + "\"seed\":1234,\"echo\":true}";
        Answer answer = post(front, "/v1/completions", body);
        assertEquals(400, answer.status(), answer.body());
        JsonNode error = JSON.readTree(answer.body()).path("error");
        assertEquals("BadRequestError", error.path("type").asText());
        assertEquals(400, error.path("code").asInt());
        assertEquals("logprobs", error.path("param").asText());
        String message = error.path("message").asText();
        assertTrue(message.startsWith("The llamacpp engine cannot give log-probabilities of prompt tokens"), message);
        assertTrue(message.contains("gives no log-probabilities"), message);
        assertSame(post(upstreamA, "/v1/completions", body), answer, "the upstream's own refusal, passed through");
    }

    // ---- (b) a client that leaves the front stops the upstream ----

    @Test
    @Order(2)
    void aClientLeavingTheFrontMidStreamStopsTheUpstreamsGeneration() throws Exception {
        awaitUpstreamsIdle();
        // ~3,000 tokens take about 40 s on this model and machine: the stream surely outlives the client
        String body = chat("Tell a very long story.", 3000).put("stream", true).toString();
        try (Socket socket = new Socket("127.0.0.1", URI.create(front.baseUri()).getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(bytes);
            out.flush();
            String seen = readUntil(socket.getInputStream(), "\"content\":\"", 5);
            assertTrue(seen.startsWith("HTTP/1.1 200"), seen);
            assertEquals(1, activeSequences(upstreamA) + activeSequences(upstreamB), "one upstream is generating");
        }
        long closedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
                .until(() -> activeSequences(upstreamA) + activeSequences(upstreamB) == 0);
        long ms = (System.nanoTime() - closedAt) / 1_000_000;
        System.out.println("the upstream stopped generating " + ms + " ms after the client left the front");
        JsonNode pool = getJson(front, "/v1/engine");
        assertEquals(0, pool.path("active_sequences").asInt());
        for (JsonNode member : pool.at("/details/upstreams")) {
            assertEquals(0, member.path("in_flight").asInt(), member.toString());
            assertTrue(member.path("healthy").asBoolean(), "leaving is not the member's failure: " + member);
        }
    }

    // ---- (c) an upstream killed mid-stream ----

    @Test
    @Order(3)
    void anUpstreamKilledMidStreamEndsItsStreamWithAnErrorAndThePoolServesOn() throws Exception {
        awaitUpstreamsIdle();
        String body = chat("Tell a very long story.", 3000).put("stream", true).toString();
        HttpResponse<InputStream> response = HTTP.send(request(front, "/v1/chat/completions", body),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        List<String> events = new ArrayList<>();
        GatewayProcess victim;
        GatewayProcess survivor;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            while (events.stream().filter(e -> e.contains("\"content\":\"")).count() < 5) {
                events.add(nextEvent(reader));
            }
            victim = activeSequences(upstreamA) == 1 ? upstreamA : upstreamB;
            survivor = victim == upstreamA ? upstreamB : upstreamA;
            assertEquals(1, activeSequences(victim), "the stream runs on it");
            victim.kill();
            for (String event = nextEvent(reader); event != null; event = nextEvent(reader)) {
                events.add(event);
            }
        }
        assertEquals("data: [DONE]", events.get(events.size() - 1), "the stream is closed properly");
        String error = events.get(events.size() - 2);
        assertTrue(error.startsWith("data: {\"error\":"), error);
        JsonNode errorJson = JSON.readTree(error.substring("data: ".length())).path("error");
        assertTrue(errorJson.path("message").asText().contains(victim.baseUri()), errorJson.toString());
        assertEquals(500, errorJson.path("code").asInt(), errorJson.toString());
        assertTrue(events.stream().noneMatch(e -> e.contains("\"finish_reason\":\"")), "no finish: it did not finish");

        int servedBefore = memberStatus(survivor).path("requests").asInt();
        for (int i = 0; i < 4; i++) {
            Answer answer = post(front, "/v1/chat/completions", chat(HELLO, 4).toString());
            assertEquals(200, answer.status(), answer.body());
        }
        assertEquals(servedBefore + 4, memberStatus(survivor).path("requests").asInt(), "the survivor served them");
        JsonNode dead = memberStatus(victim);
        assertFalse(dead.path("healthy").asBoolean(), dead.toString());
        assertNotEquals("", dead.path("last_error").asText(""), dead.toString());
        assertEquals(0, dead.path("in_flight").asInt());
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(URI.create(front.baseUri() + "/health")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode(), "the pool still serves");
    }

    // ---- helpers ----

    /** An answer as the comparison sees it: status, the headers a client reads, the body. */
    record Answer(int status, String contentType, String systemPrompt, String body) {
        private static final Pattern ID = Pattern.compile("\"id\":\"(chatcmpl|cmpl)-[0-9a-f]+\"");
        private static final Pattern CREATED = Pattern.compile("\"created\":\\d+");
        private static final Pattern CHOICE = Pattern.compile("\"choices\":\\[\\{\"index\":(\\d+)");

        /**
         * The same answer with its {@code id} and {@code created} made equal to any other's, and a stream's events
         * grouped by choice: the choices of {@code n > 1} interleave as their tokens come, which is timing, but each
         * choice's own events must be the same, in the same order.
         */
        Answer normalised() {
            String text = CREATED.matcher(ID.matcher(body).replaceAll("\"id\":\"$1-X\"")).replaceAll("\"created\":0");
            if (text.startsWith("data: ")) {
                List<String> events = new ArrayList<>(List.of(text.split("(?<=\n\n)")));
                events.sort(Comparator.comparingInt(Answer::choiceIndex));
                text = String.join("", events);
            }
            return new Answer(status, contentType, systemPrompt, text);
        }

        /** The choice an event is about; events about none (usage, [DONE]) stay last, in their order. */
        private static int choiceIndex(String event) {
            Matcher m = CHOICE.matcher(event);
            return m.find() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
        }
    }

    static void assertSame(Answer direct, Answer viaFront, String what) {
        assertEquals(direct.normalised(), viaFront.normalised(), what);
    }

    static HttpRequest request(GatewayProcess gateway, String path, String body) {
        return HttpRequest.newBuilder(URI.create(gateway.baseUri() + path)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static Answer post(GatewayProcess gateway, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(request(gateway, path, body),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null),
                r.headers().firstValue("X-Evalgate-System-Prompt").orElse(null), r.body());
    }

    static JsonNode getJson(GatewayProcess gateway, String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.baseUri() + path)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static int activeSequences(GatewayProcess upstream) {
        return getJson(upstream, "/v1/engine").path("active_sequences").asInt();
    }

    /** The front's view of one member. */
    static JsonNode memberStatus(GatewayProcess upstream) {
        for (JsonNode member : getJson(front, "/v1/engine").at("/details/upstreams")) {
            if (member.path("url").asText().equals(upstream.baseUri())) {
                return member;
            }
        }
        throw new AssertionError(upstream.baseUri() + " is not in the front's pool");
    }

    static void awaitUpstreamsIdle() {
        await().atMost(Duration.ofSeconds(30)).until(() -> activeSequences(upstreamA) + activeSequences(upstreamB) == 0);
    }

    /** The next SSE event's line (events are single {@code data:} lines), or null at the end of the body. */
    static String nextEvent(BufferedReader reader) throws IOException {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (!line.isEmpty()) {
                return line;
            }
        }
        return null;
    }

    /** Reads until {@code marker} has been seen {@code times} times, i.e. several content chunks arrived. */
    static String readUntil(InputStream in, String marker, int times) throws IOException {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[4096];
        while (sb.toString().split(Pattern.quote(marker), -1).length - 1 < times) {
            int n = in.read(buf);
            if (n < 0) {
                throw new AssertionError("stream ended early: " + sb);
            }
            sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        return sb.toString();
    }
}
