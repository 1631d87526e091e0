package dev.evalgate.engine.trtllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The packaged gateway with {@code evalgate.engine=trtllm}, started as a user starts it: without the bridge library it
 * stops at once with one line saying what to build; with the test library (the real JNI side and the Executor test
 * double, which echoes its prompt) it serves chat and completions through the bridge, cuts at stop strings and
 * cancels the engine request there, and returns prompt log-probabilities for {@code echo}.
 */
class TrtLlmGatewayIT {

    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();

    @Test
    void withoutTheBridgeLibraryStartupStopsWithOneLineSayingWhatToBuild() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "trtllm-missing");
        ProcessBuilder builder = new ProcessBuilder(java(), "-Dquarkus.http.port=0", "-jar", JAR.toString())
                .redirectErrorStream(true);
        builder.environment().put("EVALGATE_ENGINE", "trtllm");
        builder.environment().put("EVALGATE_DATA_DIR", dataDir.toAbsolutePath().toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));

        assertEquals(1, process.exitValue(), output);
        List<String> lines = output.lines().toList();
        assertEquals(1, lines.size(), output);
        assertTrue(lines.get(0).startsWith("evalgate.engine=trtllm needs the TensorRT-LLM bridge library "
                + "libevalgate_trtllm.so, built against TensorRT-LLM 1.2.1"), lines.get(0));
        assertTrue(lines.get(0).contains("mvn -B -Ptrtllm package"), lines.get(0));
    }

    @Test
    void theGatewayServesChatAndCompletionsThroughTheBridge() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "trtllm-gateway");
        Path engineDir = FakeExecutor.engineDir("llama-3.1-8b-fake", true, 1);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(java(), "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1", "-Devalgate.engine=trtllm",
                "-Devalgate.data-dir=" + dataDir.toAbsolutePath(),
                "-Devalgate.engine.trtllm.library=" + FakeExecutor.library().toAbsolutePath(),
                "-Devalgate.engine.trtllm.engine-dir=" + engineDir.toAbsolutePath(),
                "-Devalgate.tokenizer=" + FakeExecutor.tokenizerDir().toAbsolutePath(), "-jar", JAR.toString()));
        Path log = dataDir.resolve("gateway.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // a token every 2 ms: a request that a stop string cuts is still running when the gateway cancels it
        builder.environment().put("EVALGATE_FAKE_EXECUTOR_OPTIONS", "fake.step_micros=2000");
        Process process = builder.start();
        String base = "http://127.0.0.1:" + port;
        try {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the gateway exited: " + Files.readString(log));
                }
                return status(base + "/health") == 200;
            });

            assertEquals("llama-3.1-8b-fake", get(base + "/v1/models").path("data").get(0).path("id").asText());

            // the double echoes the rendered prompt up to its first <|eot_id|>: the system turn evalgate rendered
            JsonNode chat = post(base + "/v1/chat/completions", """
                    {"messages": [{"role": "user", "content": "Привет"}], "max_tokens": 400, "temperature": 0}""");
            String content = chat.path("choices").get(0).path("message").path("content").asText();
            assertTrue(content.startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"), content);
            assertTrue(content.contains("Реши задачу"), content);
            assertEquals("stop", chat.path("choices").get(0).path("finish_reason").asText());

            JsonNode cut = post(base + "/v1/chat/completions", """
                    {"messages": [{"role": "user", "content": "Привет"}], "max_tokens": 400, "temperature": 0,
                     "stop": ["Реши"]}""");
            assertTrue(cut.path("choices").get(0).path("message").path("content").asText().endsWith("\n\n"));
            assertEquals("Реши", cut.path("choices").get(0).path("stop_reason").asText());
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode engine = get(base + "/v1/engine").path("details");
                assertEquals(0, engine.path("native_requests").asInt(), engine.toString());
                assertEquals(1, engine.path("fake_cancelled").asInt(), "cut at the stop string: " + engine);
            });

            JsonNode echo = post(base + "/v1/completions", """
                    {"prompt": [128000, 15, 7], "max_tokens": 1, "temperature": 0, "echo": true, "logprobs": 1}""");
            JsonNode logprobs = echo.path("choices").get(0).path("logprobs");
            double next = 8 - Math.log(Math.exp(8) + FakeExecutor.VOCAB - 1);
            assertTrue(logprobs.path("token_logprobs").get(0).isNull());
            assertEquals(next, logprobs.path("token_logprobs").get(1).asDouble(), 1e-4);
            assertEquals(next, logprobs.path("token_logprobs").get(2).asDouble(), 1e-4);
            assertEquals(4, logprobs.path("token_logprobs").size(), logprobs.toString());
        } finally {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        assertTrue(Files.readString(log).contains("TensorRT-LLM engine closed"), Files.readString(log));
    }

    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static int status(String uri) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static JsonNode get(String uri) throws Exception {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(uri)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    static JsonNode post(String uri, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(uri))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }
}
