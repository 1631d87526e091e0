package dev.evalgate.api;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.evalgate.api.protocol.ErrorResponse;
import dev.evalgate.ops.AccessControl;
import io.vertx.ext.web.Router;

/**
 * With client keys configured, every {@code /v1} request needs one (or the admin key): 401 in the OpenAI shape
 * otherwise, before any route runs. {@code /health}, {@code /q/*} and vLLM's tokenizer endpoints stay open, as they are
 * on vLLM.
 */
@Singleton
public class AuthenticationFilter {

    void register(@Observes Router router, AccessControl access, ObjectMapper mapper) throws Exception {
        if (!access.keysRequired()) {
            return;
        }
        String unauthorized = mapper.writeValueAsString(new ErrorResponse("This gateway needs an API key: send "
                + "`Authorization: Bearer <key>` with one of its client keys (evalgate.auth.client-keys).",
                "AuthenticationError", null, 401));
        router.route("/v1/*").order(Integer.MIN_VALUE + 100).handler(ctx -> {
            if (access.caller(ctx.request().getHeader("Authorization"), ctx.request().remoteAddress()).isPresent()) {
                ctx.next();
            } else {
                ctx.response().setStatusCode(401).putHeader("Content-Type", "application/json")
                        .putHeader("WWW-Authenticate", "Bearer").end(unauthorized);
            }
        });
    }
}
