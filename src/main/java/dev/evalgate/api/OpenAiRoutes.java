package dev.evalgate.api;

import java.util.function.BiConsumer;
import java.util.function.Function;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.ops.AccessControl.Caller;
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

    public OpenAiRoutes(ChatCompletionService chat, CompletionService completions, TokenizerService tokenizer,
            ObjectMapper mapper, RequestLimits limits, RunAccess runs) {
        this.limits = limits;
        this.runs = runs;
        this.chat = chat;
        this.completions = completions;
        this.tokenizer = tokenizer;
        this.mapper = mapper;
    }

    void register(@Observes Router router) {
        post(router, "/v1/chat/completions", ctx -> chat.prepare(ctx.body().buffer(), ctx.request().headers(),
                caller(ctx), ctx.get(RECEIVED_AT)), (prepared, response) -> {
            if (prepared.request().streaming()) {
                chat.stream(prepared, response);
            } else {
                chat.respond(prepared, response);
            }
        });
        post(router, "/v1/completions", ctx -> completions.prepare(ctx.body().buffer(), ctx.request().headers(),
                caller(ctx), ctx.get(RECEIVED_AT)), (prepared, response) -> {
            if (prepared.request().streaming()) {
                completions.stream(prepared, response);
            } else {
                completions.respond(prepared, response);
            }
        });
        post(router, "/tokenize", ctx -> tokenizer.tokenize(ctx.body().buffer()), this::json);
        post(router, "/detokenize", ctx -> tokenizer.detokenize(ctx.body().buffer()), this::json);
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
        String contentType = ctx.request().getHeader("Content-Type");
        if (contentType != null && !contentType.toLowerCase().startsWith("application/json")) {
            fail(ctx.response(), ApiException.badRequest(null,
                    "Unsupported Media Type: Only 'application/json' is allowed"));
            return;
        }
        // the answer starts on the worker thread too (generation is handed to the engine from there): going back to
        // the event loop first would make every request wait behind the streams that loop is writing
        ctx.vertx().<Void>executeBlocking(() -> {
            respond.accept(onWorker.apply(ctx), ctx.response());
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
