package dev.evalgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.FakeEngine;
import dev.evalgate.engine.GenerationStep;
import dev.evalgate.ops.AccessControl;
import dev.evalgate.ops.Admission;
import dev.evalgate.ops.ServingMetrics;
import dev.evalgate.prompt.PromptFormat;
import dev.evalgate.prompt.PromptRenderer;
import dev.evalgate.prompt.SystemPromptPolicy;
import dev.evalgate.scoring.mera.TaskCatalogue;
import dev.evalgate.scoring.runs.GoldStore;
import dev.evalgate.store.JournalSampleStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

/**
 * An engine that fails after the stream started: the client gets the error as an SSE event, then [DONE], with the
 * 200 it already has; before the stream starts, the same failure is a JSON error with status 500.
 */
class StreamFailureTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final Tracer NOOP = OpenTelemetry.noop().getTracer("test");

    @TempDir
    Path dir;
    Vertx vertx;
    int port;

    @BeforeEach
    void start() throws Exception {
        FakeEngine engine = FakeEngine.generating(request -> Multi.createFrom().<GenerationStep>emitter(e -> {
            e.emit(GenerationStep.text("Hel"));
            e.emit(GenerationStep.text("lo"));
            e.fail(new EngineException("the GPU fell off the bus"));
        }));
        PromptFormat format = PromptFormat.load(Optional.empty(), Optional.empty(), dir, engine);
        PromptRenderer renderer = new PromptRenderer(format, new SystemPromptPolicy(SystemPromptPolicy.Mode.OFF, ""));
        ServedModel model = new ServedModel("m", engine, 0);
        Admission admission = new Admission(0, 16, Duration.ofSeconds(10), true);
        ServingMetrics timings = new ServingMetrics(new SimpleMeterRegistry(), "m", admission);
        RequestLimits limits = RequestLimits.defaults();
        RunAccess runs = new RunAccess(new AccessControl(Set.of(), Optional.empty(), false, Set.of()),
                new JournalSampleStore(dir.resolve("runs"), new GoldStore(TaskCatalogue.mera())));
        ChatCompletionService chat = new ChatCompletionService(model, renderer, MAPPER, completion -> {
        }, timings, limits, runs, NOOP);
        CompletionService completions = new CompletionService(model, format.tokenizer(), MAPPER, completion -> {
        }, timings, limits, runs, NOOP);
        OpenAiRoutes routes = new OpenAiRoutes(chat, completions, new TokenizerService(model, renderer, MAPPER,
                limits), MAPPER, limits, runs, admission, timings, NOOP);
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        routes.register(router);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage()
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        port = server.actualPort();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private HttpResponse<String> post(String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void errorAfterTheStreamStartedIsAnErrorEventThenDone() throws Exception {
        HttpResponse<String> r = post("{\"stream\":true,\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(200, r.statusCode());
        SseStream s = SseStream.parse(r.body());
        assertTrue(s.done());
        assertEquals("Hello", s.content(0));
        JsonNode last = s.events().get(s.events().size() - 1);
        assertEquals("the GPU fell off the bus", last.path("error").path("message").asText());
        assertEquals(500, last.path("error").path("code").asInt());
        assertEquals("InternalServerError", last.path("error").path("type").asText());
    }

    @Test
    void errorWithoutStreamingIsAJsonError() throws Exception {
        HttpResponse<String> r = post("{\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(500, r.statusCode());
        assertEquals("the GPU fell off the bus", MAPPER.readTree(r.body()).path("error").path("message").asText());
    }
}
