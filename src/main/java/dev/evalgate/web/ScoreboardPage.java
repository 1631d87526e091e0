package dev.evalgate.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Serves the scoreboard page at {@code /scoreboard} (the runs) and {@code /scoreboard/{run}} (one run): one static
 * page whose script reads the path. Its scripts, styles and the reference figures are static files under
 * {@code /scoreboard/assets/}. The page holds no data: it asks {@code /v1} with the key the user gives it, so it is
 * open to all, and its Content-Security-Policy lets it load and call nothing but this gateway.
 */
@Singleton
public class ScoreboardPage {

    static final String PAGE = "META-INF/resources/scoreboard/index.html";
    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    void register(@Observes Router router) {
        Buffer page = Buffer.buffer(read());
        router.getWithRegex("/scoreboard(/[^/]*)?").handler(ctx -> serve(ctx, page));
    }

    private static void serve(RoutingContext ctx, Buffer page) {
        ctx.response().putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Content-Security-Policy", POLICY)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cache-Control", "no-cache")
                .end(page);
    }

    private static byte[] read() {
        try (InputStream in = ScoreboardPage.class.getClassLoader().getResourceAsStream(PAGE)) {
            if (in == null) {
                throw new IllegalStateException("the scoreboard page " + PAGE + " is missing from the application");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
