package dev.evalgate.api;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code POST /v1/chat/completions} on a plain Vert.x route, for exact control of the SSE bytes and of client
 * disconnects. Validation and prompt rendering run on a worker thread; generation on the engine's own threads; the
 * event loop only moves bytes.
 */
@Singleton
public class ChatCompletionRoute {

    private static final long MAX_BODY_BYTES = 32L * 1024 * 1024;

    private final ChatCompletionService service;
    private final ObjectMapper mapper;

    public ChatCompletionRoute(ChatCompletionService service, ObjectMapper mapper) {
        this.service = service;
        this.mapper = mapper;
    }

    void register(@Observes Router router) {
        router.post("/v1/chat/completions")
                .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
                .handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        String contentType = ctx.request().getHeader("Content-Type");
        if (contentType != null && !contentType.toLowerCase().startsWith("application/json")) {
            fail(ctx.response(), ApiException.badRequest(null,
                    "Unsupported Media Type: Only 'application/json' is allowed"));
            return;
        }
        ctx.vertx().<ChatCompletionService.Prepared>executeBlocking(() -> service.prepare(ctx.body().buffer()), false)
                .onSuccess(prepared -> {
                    if (prepared.request().streaming()) {
                        service.stream(prepared, ctx.response());
                    } else {
                        service.respond(prepared, ctx.response());
                    }
                })
                .onFailure(failure -> fail(ctx.response(), OpenAiErrors.toApi(failure)));
    }

    private void fail(HttpServerResponse response, ApiException e) {
        try {
            response.setStatusCode(e.status()).putHeader("Content-Type", "application/json")
                    .end(mapper.writeValueAsString(OpenAiErrors.body(e)));
        } catch (Exception ex) {
            response.setStatusCode(500).end();
        }
    }
}
