package dev.evalgate.engine.upstream;

import java.net.URI;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * An OpenAI-compatible inference server that a test scripts: {@code /health} and {@code /v1/models} answer as set,
 * and each request to {@code /v1/completions} or {@code /v1/chat/completions} gets the next {@link Answer} queued (or
 * the fallback), played chunk by chunk: it can stream, wait, answer an error status, break the connection, or stall.
 * It records every request and whether its client closed the connection before the answer was over. For tests only.
 */
final class FakeUpstreamServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = "fake-model";

    /** One request the server received. */
    static final class Received {
        final String method;
        final String path;
        final MultiMap headers;
        final JsonNode body;
        /** Completed when the client closed the connection while the answer was still going. */
        final CompletableFuture<Void> clientLeft = new CompletableFuture<>();
        /** Completed when the server had written its whole answer. */
        final CompletableFuture<Void> answered = new CompletableFuture<>();

        Received(HttpServerRequest req, JsonNode body) {
            this.method = req.method().name();
            this.path = req.path();
            this.headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
            this.body = body;
        }

        boolean clientLeft() {
            return clientLeft.isDone();
        }

        @Override
        public String toString() {
            return method + " " + path + " " + body;
        }
    }

    private final Vertx vertx;
    private final HttpServer server;
    private final Deque<Answer> answers = new ConcurrentLinkedDeque<>();
    private volatile Answer fallback;
    private volatile int healthStatus = 200;
    private volatile String modelId = MODEL;
    private volatile int maxModelLen = 4096;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger healthChecks = new AtomicInteger();

    private FakeUpstreamServer(Vertx vertx) {
        this.vertx = vertx;
        this.server = vertx.createHttpServer();
        this.fallback = Answer.tokens("ok");
    }

    /** Listens on a free loopback port; answers every generation request with one token until told otherwise. */
    static FakeUpstreamServer start(Vertx vertx) {
        FakeUpstreamServer fake = new FakeUpstreamServer(vertx);
        fake.server.connectionHandler(c -> fake.connections.incrementAndGet())
                .requestHandler(req -> req.body().onSuccess(b -> fake.handle(req, b)));
        try {
            fake.server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the fake upstream could not listen", e);
        }
        return fake;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.actualPort());
    }

    /** The next generation request gets {@code answer}; queued answers are played in order. */
    FakeUpstreamServer then(Answer answer) {
        answers.add(answer);
        return this;
    }

    /** Generation requests with no queued answer get this one. */
    FakeUpstreamServer always(Answer answer) {
        this.fallback = answer;
        return this;
    }

    /** What {@code GET /health} answers from now on. */
    FakeUpstreamServer health(int status) {
        this.healthStatus = status;
        return this;
    }

    /** What {@code GET /v1/models} lists. */
    FakeUpstreamServer serving(String model, int maxModelLen) {
        this.modelId = model;
        this.maxModelLen = maxModelLen;
        return this;
    }

    /** The generation requests received so far, in order. */
    List<Received> generations() {
        return received.stream().filter(r -> r.path.endsWith("completions")).toList();
    }

    /** The only generation request received; fails unless there was exactly one. */
    Received onlyGeneration() {
        List<Received> g = generations();
        if (g.size() != 1) {
            throw new AssertionError("expected one generation request, got " + g);
        }
        return g.get(0);
    }

    int healthChecks() {
        return healthChecks.get();
    }

    /** TCP connections clients opened to it. */
    int connections() {
        return connections.get();
    }

    private void handle(HttpServerRequest req, Buffer body) {
        JsonNode json = null;
        if (body.length() > 0) {
            try {
                json = JSON.readTree(body.getBytes());
            } catch (Exception e) {
                req.response().setStatusCode(400).end("{\"error\":{\"message\":\"not JSON\"}}");
                return;
            }
        }
        Received r = new Received(req, json);
        received.add(r);
        switch (req.path()) {
            case "/health" -> {
                healthChecks.incrementAndGet();
                // probes get connections of their own: a test that closes the server then sees a refused connection
                req.response().setStatusCode(healthStatus).putHeader("Connection", "close").end();
            }
            case "/v1/models" -> {
                ObjectNode list = JSON.createObjectNode().put("object", "list");
                list.putArray("data").addObject().put("id", modelId).put("object", "model")
                        .put("max_model_len", maxModelLen);
                req.response().putHeader("Content-Type", "application/json").putHeader("Connection", "close")
                        .end(list.toString());
            }
            case "/v1/completions", "/v1/chat/completions" -> {
                Answer answer = answers.poll();
                HttpServerResponse resp = req.response();
                resp.closeHandler(v -> r.clientLeft.complete(null));
                resp.endHandler(v -> r.answered.complete(null));
                play(answer == null ? fallback : answer, 0, req, Future.succeededFuture());
            }
            default -> req.response().setStatusCode(404).end();
        }
    }

    /** Plays the answer's steps from {@code at}, waiting where it says; {@code written} is the last write's. */
    private void play(Answer answer, int at, HttpServerRequest req, Future<Void> written) {
        HttpServerResponse resp = req.response();
        for (int i = at; i < answer.steps.size(); i++) {
            Step step = answer.steps.get(i);
            if (resp.closed()) {
                return;
            }
            switch (step.kind) {
                case STATUS -> {
                    resp.setStatusCode(step.status).putHeader("Content-Type", "application/json").end(step.text);
                    return;
                }
                case WRITE -> {
                    if (!resp.headWritten()) {
                        resp.setStatusCode(200).putHeader("Content-Type", "text/event-stream").setChunked(true);
                    }
                    written = resp.write(step.text);
                }
                case DELAY -> {
                    int next = i + 1;
                    Future<Void> w = written;
                    vertx.setTimer(step.status, id -> play(answer, next, req, w));
                    return;
                }
                case WAIT -> {
                    int next = i + 1;
                    Future<Void> w = written;
                    step.signal.whenComplete((v, e) -> vertx.runOnContext(x -> play(answer, next, req, w)));
                    return;
                }
                case BREAK -> {
                    if (!resp.headWritten()) {
                        resp.setStatusCode(200).putHeader("Content-Type", "text/event-stream").setChunked(true);
                        written = resp.write("");
                    }
                    // the answer is cut here, once what came before is on the wire: not the client leaving
                    resp.closeHandler(null);
                    written.onComplete(v -> req.connection().close());
                    return;
                }
                case STALL -> {
                    return;
                }
            }
        }
        if (!resp.ended()) {
            if (!resp.headWritten()) {
                resp.setStatusCode(200).putHeader("Content-Type", "text/event-stream").setChunked(true);
            }
            resp.end();
        }
    }

    /** Stops listening and closes its connections; returns once its port refuses connections. */
    @Override
    public void close() {
        try {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the fake upstream did not close", e);
        }
    }

    private enum Kind {
        STATUS, WRITE, DELAY, WAIT, BREAK, STALL
    }

    private record Step(Kind kind, int status, String text, CompletableFuture<?> signal) {
    }

    /** What the server does with one generation request, step by step. */
    static final class Answer {
        private final List<Step> steps = new ArrayList<>();

        static Answer stream() {
            return new Answer();
        }

        /** An error status with this JSON body, at once. */
        static Answer status(int status, String body) {
            return new Answer().add(new Step(Kind.STATUS, status, body, null));
        }

        /** A vLLM error body in the current (nested) form. */
        static Answer error(int status, String type, String param, String message) {
            ObjectNode error = JSON.createObjectNode();
            error.putObject("error").put("message", message).put("type", type).put("param", param)
                    .put("code", status);
            return status(status, error.toString());
        }

        /**
         * A whole completions stream as vLLM sends it with continuous usage stats: one chunk per text, the last with
         * {@code finish_reason: length}, then the usage chunk and {@code [DONE]}.
         */
        static Answer tokens(String... texts) {
            Answer a = new Answer();
            for (int i = 0; i < texts.length; i++) {
                a.data(completionChunk(texts[i], i == texts.length - 1 ? "length" : null, i + 1));
            }
            return a.data(usageChunk(texts.length)).done();
        }

        /** A {@code data:} event. */
        Answer data(String data) {
            return write("data: " + data + "\n\n");
        }

        /** Raw bytes of the body. */
        Answer write(String raw) {
            return add(new Step(Kind.WRITE, 0, raw, null));
        }

        Answer done() {
            return data("[DONE]");
        }

        Answer delay(int ms) {
            return add(new Step(Kind.DELAY, ms, null, null));
        }

        /** Goes on once {@code signal} completes. */
        Answer waitFor(CompletableFuture<?> signal) {
            return add(new Step(Kind.WAIT, 0, null, signal));
        }

        /** Closes the connection here (after the headers), as a server that dies does. */
        Answer breakConnection() {
            return add(new Step(Kind.BREAK, 0, null, null));
        }

        /** Sends nothing more and keeps the connection open. */
        Answer stall() {
            return add(new Step(Kind.STALL, 0, null, null));
        }

        private Answer add(Step step) {
            steps.add(step);
            return this;
        }
    }

    /** A {@code text_completion} chunk; usage as with {@code continuous_usage_stats} unless tokens is null. */
    static String completionChunk(String text, String finish, Integer completionTokens) {
        ObjectNode chunk = JSON.createObjectNode().put("id", "cmpl-fake").put("object", "text_completion")
                .put("created", 1).put("model", MODEL);
        chunk.putArray("choices").addObject().put("index", 0).put("text", text).putNull("logprobs")
                .put("finish_reason", finish).putNull("stop_reason");
        if (completionTokens != null) {
            usage(chunk, completionTokens);
        }
        return chunk.toString();
    }

    /** A {@code chat.completion.chunk}; the first of a stream carries the role; usage unless tokens is null. */
    static String chatChunk(String role, String content, String finish, Integer completionTokens) {
        ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-fake").put("object", "chat.completion.chunk")
                .put("created", 1).put("model", MODEL);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (role != null) {
            delta.put("role", role);
        }
        delta.put("content", content);
        choice.putNull("logprobs").put("finish_reason", finish);
        if (completionTokens != null) {
            usage(chunk, completionTokens);
        }
        return chunk.toString();
    }

    /** The last chunk of a stream that asked for usage: no choices. */
    static String usageChunk(int completionTokens) {
        ObjectNode chunk = JSON.createObjectNode().put("id", "cmpl-fake").put("object", "text_completion")
                .put("created", 1).put("model", MODEL);
        chunk.putArray("choices");
        return usage(chunk, completionTokens).toString();
    }

    static final int PROMPT_TOKENS = 7;

    private static ObjectNode usage(ObjectNode chunk, int completionTokens) {
        chunk.putObject("usage").put("prompt_tokens", PROMPT_TOKENS).put("completion_tokens", completionTokens)
                .put("total_tokens", PROMPT_TOKENS + completionTokens);
        return chunk;
    }
}
