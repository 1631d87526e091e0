package dev.evalgate.api;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.ops.AccessControl.Caller;
import dev.evalgate.ops.Admission;
import dev.evalgate.ops.ServingMetrics;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The JSON POST endpoints, on plain Vert.x routes for exact control of the SSE bytes and of client disconnects:
 * {@code /v1/chat/completions}, {@code /v1/completions}, and vLLM's {@code /tokenize} and {@code /detokenize} at the
 * server root. Parsing, validation, templating and tokenization run on a worker thread; generation on the engine's own
 * threads; the event loop only moves bytes.
 */
@Singleton
public class OpenAiRoutes {

    private static final String RECEIVED_AT = "evalgate.receivedAt";

    private final ChatCompletionService chat;
    private final CompletionService completions;
    private final TokenizerService tokenizer;
    private final ObjectMapper mapper;
    private final RequestLimits limits;
    private final RunAccess runs;
    private final Admission admission;
    private final ServingMetrics metrics;
    private final Tracer tracer;

    public OpenAiRoutes(ChatCompletionService chat, CompletionService completions, TokenizerService tokenizer,
            ObjectMapper mapper, RequestLimits limits, RunAccess runs, Admission admission, ServingMetrics metrics,
            Tracer tracer) {
        this.tracer = tracer;
        this.admission = admission;
        this.metrics = metrics;
        this.limits = limits;
        this.runs = runs;
        this.chat = chat;
        this.completions = completions;
        this.tokenizer = tokenizer;
        this.mapper = mapper;
    }

    void register(@Observes Router router) {
        post(router, "/v1/chat/completions", ctx -> chat.prepare(ctx.body().buffer(), ctx.request().headers(),
                caller(ctx), ctx.get(RECEIVED_AT)), admitted(p -> p.n(), p -> p.tag() == null, (p, response, ticket) -> {
                    if (p.request().streaming()) {
                        chat.stream(p, response, ticket);
                    } else {
                        chat.respond(p, response, ticket);
                    }
                }));
        post(router, "/v1/completions", ctx -> completions.prepare(ctx.body().buffer(), ctx.request().headers(),
                caller(ctx), ctx.get(RECEIVED_AT)), admitted(p -> p.generate() ? p.n() * p.prompts().size() : 0,
                        p -> p.tag() == null, (p, response, ticket) -> {
                            if (p.request().streaming()) {
                                completions.stream(p, response, ticket);
                            } else {
                                completions.respond(p, response, ticket);
                            }
                        }));
        post(router, "/tokenize", ctx -> tokenizer.tokenize(ctx.body().buffer()), this::json);
        post(router, "/detokenize", ctx -> tokenizer.detokenize(ctx.body().buffer()), this::json);
    }

    /** Starts a prepared generation, which releases its ticket once all its sequences ended. */
    private interface Generation<T> {
        void start(T prepared, HttpServerResponse response, Admission.Ticket ticket);
    }

    /**
     * Wraps a generation in admission control: it starts once there are places for its sequences (at once, on this
     * worker, when there are; later, on the request's context, when it had to wait), or is refused (429, or 503 while
     * draining). A request whose client leaves while it waits never reaches the engine.
     *
     * @param interactive requests that go ahead of benchmark traffic in the wait queue
     */
    private <T> BiConsumer<T, HttpServerResponse> admitted(ToIntFunction<T> sequences, Predicate<T> interactive,
            Generation<T> generation) {
        return (prepared, response) -> {
            Context context = Vertx.currentContext();
            io.opentelemetry.context.Context trace = io.opentelemetry.context.Context.current();
            Span queue = tracer.spanBuilder("evalgate.queue").setParent(trace).startSpan();
            // set before asking: a request admitted at once replaces it with one that cancels its engine streams
            AtomicReference<Admission.Waiting> waiting = new AtomicReference<>();
            response.closeHandler(v -> {
                Admission.Waiting w = waiting.get();
                if (w != null) {
                    w.withdraw();
                }
            });
            waiting.set(admission.admit(sequences.applyAsInt(prepared),
                    interactive.test(prepared), ticket -> {
                        queue.end();
                        metrics.queued(ticket.queued());
                        if (response.closed()) {
                            ticket.release();
                            return;
                        }
                        try (Scope ignored = trace.makeCurrent()) {
                            generation.start(prepared, response, ticket);
                        } catch (RuntimeException e) {
                            ticket.release();
                            fail(response, OpenAiErrors.toApi(e));
                        }
                    }, refusal -> {
                        queue.setStatus(StatusCode.ERROR, refusal.message()).end();
                        metrics.refused(refusal.status());
                        fail(response, refused(refusal));
                    }, task -> context.runOnContext(v -> task.run())));
        };
    }

    private static ApiException refused(Admission.Refusal refusal) {
        return new ApiException(refusal.status(), refusal.status() == 429 ? "RateLimitError" : "ServiceUnavailableError",
                null, refusal.message()).retryAfter(refusal.retryAfterSeconds());
    }

    /**
     * Runs {@code onWorker} on a worker thread with the body read, then {@code respond} on the same thread (Vert.x
     * responses may be written from any thread; their I/O still happens on the connection's event loop).
     */
    private <T> void post(Router router, String path, Function<RoutingContext, T> onWorker,
            BiConsumer<T, HttpServerResponse> respond) {
        router.post(path)
                .handler(BodyHandler.create(false).setBodyLimit(limits.maxBodyBytes()))
                .handler(ctx -> handle(ctx, onWorker, respond))
                // the body handler fails the route with 413 past the limit; answer it in the OpenAI shape
                .failureHandler(ctx -> fail(ctx.response(), ctx.statusCode() == 413
                        ? new ApiException(413, "RequestEntityTooLargeError", null, "The request body is larger than "
                                + limits.maxBodyBytes() + " bytes (evalgate.limits.max-body-size).")
                        : OpenAiErrors.toApi(ctx.failure() != null ? ctx.failure()
                                : new IllegalStateException("status " + ctx.statusCode()))));
    }

    private <T> void handle(RoutingContext ctx, Function<RoutingContext, T> onWorker,
            BiConsumer<T, HttpServerResponse> respond) {
        ctx.put(RECEIVED_AT, System.nanoTime());
        Admission.Refusal early = admission.refuseEarly();
        if (early != null && ctx.request().path().startsWith("/v1/")) {
            // a full gateway refuses before reading the request: a refused request costs nothing
            metrics.refused(early.status());
            fail(ctx.response(), refused(early));
            return;
        }
        String contentType = ctx.request().getHeader("Content-Type");
        if (contentType != null && !contentType.toLowerCase().startsWith("application/json")) {
            fail(ctx.response(), ApiException.badRequest(null,
                    "Unsupported Media Type: Only 'application/json' is allowed"));
            return;
        }
        // the HTTP server span, current here on the event loop: the request's own spans hang under it
        io.opentelemetry.context.Context trace = io.opentelemetry.context.Context.current();
        // the answer starts on the worker thread too (generation is handed to the engine from there): going back to
        // the event loop first would make every request wait behind the streams that loop is writing
        ctx.vertx().<Void>executeBlocking(() -> {
            Span prompt = tracer.spanBuilder("evalgate.prompt").setParent(trace).startSpan();
            T prepared;
            try (Scope ignored = prompt.makeCurrent()) {
                prepared = onWorker.apply(ctx);
            } catch (RuntimeException e) {
                prompt.recordException(e).setStatus(StatusCode.ERROR);
                throw e;
            } finally {
                prompt.end();
            }
            try (Scope ignored = trace.makeCurrent()) {
                respond.accept(prepared, ctx.response());
            }
            return null;
        }, false).onFailure(failure -> fail(ctx.response(), OpenAiErrors.toApi(failure)));
    }

    private Caller caller(RoutingContext ctx) {
        return runs.caller(ctx.request().getHeader("Authorization"), ctx.request().remoteAddress());
    }

    private void json(TokenizerService.Answer answer, HttpServerResponse response) {
        if (answer.systemPrompt() != null) {
            response.putHeader(ChatCompletionService.SYSTEM_PROMPT_HEADER, answer.systemPrompt());
        }
        response.putHeader("Content-Type", "application/json").end(write(answer.body()));
    }

    private void fail(HttpServerResponse response, ApiException e) {
        if (response.ended() || response.closed()) {
            return;
        }
        if (e.retryAfter() != null) {
            response.putHeader("Retry-After", String.valueOf(e.retryAfter()));
        }
        response.setStatusCode(e.status()).putHeader("Content-Type", "application/json").end(write(OpenAiErrors.body(e)));
    }

    private String write(Object body) {
        try {
            return mapper.writeValueAsString(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
