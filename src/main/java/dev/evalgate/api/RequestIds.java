package dev.evalgate.api;

import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.MDC;

import io.vertx.ext.web.Router;

/**
 * Gives every request an id: the client's {@code X-Request-Id} when it sent a sane one, else a new one. The response
 * carries it in {@code X-Request-Id}, and every log line written for the request shows it ({@code requestId} in the
 * log context, which Quarkus carries to the worker threads of the request).
 */
@Singleton
public class RequestIds {

    static final String HEADER = "X-Request-Id";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String given = ctx.request().getHeader(HEADER);
            String id = given != null && SANE.matcher(given).matches() ? given
                    : UUID.randomUUID().toString().replace("-", "");
            ctx.response().putHeader(HEADER, id);
            MDC.put("requestId", id);
            ctx.next();
        });
    }
}
