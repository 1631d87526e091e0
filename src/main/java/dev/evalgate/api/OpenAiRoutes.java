package dev.evalgate.api;

import java.util.function.BiConsumer;
import java.util.function.Function;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The JSON POST endpoints, on plain Vert.x routes for exact control of the SSE bytes and of client disconnects:
 * {@code /v1/chat/completions}, and vLLM's {@code /tokenize} and {@code /detokenize} at the server root. Parsing,
 * validation, templating and tokenization run on a worker thread; generation on the engine's own threads; the event
 * loop only moves bytes.
 */
@Singleton
public class OpenAiRoutes {

    private static final long MAX_BODY_BYTES = 32L * 1024 * 1024;

    private final ChatCompletionService chat;
    private final TokenizerService tokenizer;
    private final ObjectMapper mapper;

    public OpenAiRoutes(ChatCompletionService chat, TokenizerService tokenizer, ObjectMapper mapper) {
        this.chat = chat;
        this.tokenizer = tokenizer;
        this.mapper = mapper;
    }

    void register(@Observes Router router) {
        post(router, "/v1/chat/completions", chat::prepare, (prepared, response) -> {
            if (prepared.request().streaming()) {
                chat.stream(prepared, response);
            } else {
                chat.respond(prepared, response);
            }
        });
        post(router, "/tokenize", tokenizer::tokenize, this::json);
        post(router, "/detokenize", tokenizer::detokenize, this::json);
    }

    private <T> void post(Router router, String path, Function<Buffer, T> onWorker,
            BiConsumer<T, HttpServerResponse> respond) {
        router.post(path)
                .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
                .handler(ctx -> handle(ctx, onWorker, respond));
    }

    private <T> void handle(RoutingContext ctx, Function<Buffer, T> onWorker, BiConsumer<T, HttpServerResponse> respond) {
        String contentType = ctx.request().getHeader("Content-Type");
        if (contentType != null && !contentType.toLowerCase().startsWith("application/json")) {
            fail(ctx.response(), ApiException.badRequest(null,
                    "Unsupported Media Type: Only 'application/json' is allowed"));
            return;
        }
        ctx.vertx().<T>executeBlocking(() -> onWorker.apply(ctx.body().buffer()), false)
                .onSuccess(result -> respond.accept(result, ctx.response()))
                .onFailure(failure -> fail(ctx.response(), OpenAiErrors.toApi(failure)));
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
