package dev.evalgate.ops;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * With tracing on, one tagged request yields one trace: its HTTP span, prompt rendering, the admission queue, the
 * generation span with OpenTelemetry's GenAI attributes, and scoring. And every response carries a request id.
 */
@QuarkusTest
@TestProfile(TracingTest.Tracing.class)
class TracingTest {

    /** Tracing on, spans exported at once to an in-memory exporter (a test double for the OTLP collector). */
    public static class Tracing implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.bsp.schedule.delay", "10ms",
                    "evalgate.engine", "synthetic", "evalgate.system-prompt.mode", "off");
        }
    }

    /** The exporter the gateway's tracer sends spans to in this test. */
    static final class Exporter {
        @Produces
        @Singleton
        InMemorySpanExporter exporter() {
            return InMemorySpanExporter.create();
        }
    }

    @Inject
    InMemorySpanExporter exporter;

    @Test
    void aTaggedRequestIsOneTraceWithItsSpans() {
        exporter.reset();
        ObjectNode body = new ObjectMapper().createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", "go");
        body.put("max_tokens", 3).put("temperature", 0);
        body.putObject("metadata").put("eval_run", "traced").put("task", "parus").put("doc_id", "1");
        Response r = given().contentType("application/json").header("X-Request-Id", "req-42").body(body.toString())
                .post("/v1/chat/completions");
        assertEquals(200, r.statusCode());
        assertEquals("req-42", r.header("X-Request-Id"), "the client's request id comes back");

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> names(exporter.getFinishedSpanItems())
                .containsAll(Set.of("evalgate.prompt", "evalgate.queue", "chat evalgate-synthetic", "evalgate.scoring")));
        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData generation = spans.stream().filter(s -> s.getName().equals("chat evalgate-synthetic")).findFirst()
                .orElseThrow();
        String trace = generation.getTraceId();
        for (String name : List.of("evalgate.prompt", "evalgate.queue", "evalgate.scoring")) {
            assertTrue(spans.stream().anyMatch(s -> s.getName().equals(name) && s.getTraceId().equals(trace)),
                    name + " is in the request's trace: " + spans);
        }
        assertTrue(spans.stream().anyMatch(s -> s.getTraceId().equals(trace) && s.getParentSpanId().equals("0000000000000000")),
                "the HTTP server span is the root: " + spans);
        assertEquals("chat", generation.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name")));
        assertEquals("evalgate-synthetic", generation.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model")));
        assertEquals(3L, generation.getAttributes().get(AttributeKey.longKey("gen_ai.request.max_tokens")));
        assertEquals(3L, generation.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens")));
        assertTrue(generation.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens")) > 0);
        assertEquals(List.of("length"), generation.getAttributes()
                .get(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons")));

        String generated = given().contentType("application/json").body(body.toString()).post("/v1/chat/completions")
                .header("X-Request-Id");
        assertTrue(generated != null && generated.length() >= 16, "a request without an id gets one: " + generated);
    }

    private static Set<String> names(List<SpanData> spans) {
        return spans.stream().map(SpanData::getName).collect(Collectors.toSet());
    }
}
