package dev.evalgate.api;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;

import dev.evalgate.api.protocol.ErrorResponse;
import dev.evalgate.engine.EngineException;
import dev.evalgate.engine.EngineRejectedException;
import dev.evalgate.engine.EngineUnavailableException;
import dev.evalgate.engine.InvalidParameterException;
import dev.evalgate.prompt.jinja.ChatTemplateException;
import dev.evalgate.store.StoreUnavailableException;
import io.netty.buffer.ByteBuf;
import io.vertx.core.http.HttpServerResponse;

/**
 * The one place where a failure becomes an HTTP status and the OpenAI error envelope
 * {@code {"error": {"message", "type", "param", "code"}}} (vLLM's form: {@code code} is the integer status).
 */
public final class OpenAiErrors {

    private static final Logger LOG = Logger.getLogger(OpenAiErrors.class);

    private OpenAiErrors() {
    }

    /** Reads a JSON request body; any way it is not the expected object is a 400 naming what is wrong. */
    public static <T> T readBody(com.fasterxml.jackson.databind.ObjectMapper mapper, io.vertx.core.buffer.Buffer body,
            Class<T> type) {
        if (body == null || body.length() == 0) {
            throw ApiException.badRequest(null, "The request body is empty; it must be a JSON object.");
        }
        try {
            // parse the request's own bytes where they are reachable: a long prompt is not copied first
            ByteBuf bytes = body.getByteBuf();
            T req = bytes.hasArray()
                    ? mapper.readValue(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes(), type)
                    : mapper.readValue(body.getBytes(), type);
            if (req == null) {
                throw ApiException.badRequest(null, "The request body must be a JSON object.");
            }
            return req;
        } catch (java.io.IOException e) {
            throw toApi(e);
        }
    }

    /** Maps any failure to the error it shows a client. */
    public static ApiException toApi(Throwable t) {
        if (t instanceof ApiException api) {
            return api;
        }
        if (t instanceof InvalidParameterException p) {
            return ApiException.badRequest(p.param(), p.getMessage());
        }
        if (t instanceof ChatTemplateException c) {
            return ApiException.badRequest("messages", c.getMessage());
        }
        if (t instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            String param = m.getPath().get(0).getFieldName();
            return ApiException.badRequest(param, "Invalid value for `" + param + "`: " + m.getOriginalMessage());
        }
        if (t instanceof JsonProcessingException j) {
            return ApiException.badRequest(null, "The request body is not valid JSON: " + j.getOriginalMessage());
        }
        if (t instanceof StoreUnavailableException) {
            return new ApiException(503, "ServiceUnavailableError", null, t.getMessage()
                    + " (completions are still served; their samples are kept and written when it is back)");
        }
        if (t instanceof EngineRejectedException r) {
            return new ApiException(r.status(), r.type(), r.param(), r.getMessage());
        }
        if (t instanceof EngineUnavailableException) {
            return new ApiException(503, "ServiceUnavailableError", null, t.getMessage());
        }
        if (t instanceof EngineException) {
            LOG.error("engine failure", t);
            return new ApiException(500, "InternalServerError", null, t.getMessage());
        }
        LOG.error("unexpected failure", t);
        return new ApiException(500, "InternalServerError", null, "Internal server error: " + t);
    }

    /** The {@code {"error": {...}}} body. */
    public static ErrorResponse body(ApiException e) {
        return new ErrorResponse(e.getMessage(), e.type(), e.param(), e.status());
    }

    /**
     * Answers a request whose response has not started with {@code status} and the rendered error body, unless its
     * connection is gone; completes once the answer is written.
     */
    static CompletionStage<Void> answer(HttpServerResponse response, int status, String errorJson) {
        if (response.closed() || response.ended()) {
            return CompletableFuture.completedFuture(null);
        }
        return response.setStatusCode(status).putHeader("Content-Type", "application/json").end(errorJson)
                .toCompletionStage();
    }
}
