package dev.evalgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The physical limit to compare the gateway with: a bare Vert.x HTTP server that answers
 * {@code POST /v1/chat/completions} with the same SSE bytes the gateway's synthetic engine streams, written as fast as
 * the event loop can, with no model, no prompt handling and no thread hops.
 *
 * <p>Usage: {@code BaselineServer --port P --pieces capture.json [--event-loops N] [--slice K]}. The pieces file is
 * what {@code LoadClient capture} recorded from the gateway, so the chunk sizes and texts match exactly.
 */
public final class BaselineServer extends AbstractVerticle {

    private final String model;
    private final byte[][] pieces;
    // 0: whole stream in one event-loop turn (the default, fastest); K > 0: yield after every K events, for trials
    private final int slice;
    private final int port;

    private BaselineServer(String model, byte[][] pieces, int slice, int port) {
        this.model = model;
        this.pieces = pieces;
        this.slice = slice;
        this.port = port;
    }

    public static void main(String[] argv) throws IOException {
        Map<String, String> args = BenchArgs.parse(argv, 0);
        int port = BenchArgs.intArg(args, "port", 8090);
        JsonObject capture = new JsonObject(Files.readString(Path.of(BenchArgs.required(args, "pieces"))));
        List<String> texts = new ArrayList<>();
        for (Object o : capture.getJsonArray("pieces", new JsonArray())) {
            texts.add((String) o);
        }
        // as many event loops as Quarkus gives the gateway by default (2 x cores), one server instance on each
        int loops = BenchArgs.intArg(args, "event-loops", 2 * Runtime.getRuntime().availableProcessors());
        int slice = BenchArgs.intArg(args, "slice", 0);
        byte[][] pieces = ChatChunkTemplate.quote(texts);
        String model = capture.getString("model", "evalgate-synthetic");

        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        vertx.deployVerticle(() -> new BaselineServer(model, pieces, slice, port), new DeploymentOptions().setInstances(loops))
                .onSuccess(id -> System.err.println("baseline listening on 127.0.0.1:" + port + " with " + loops
                        + " event loops, " + texts.size() + " distinct pieces"))
                .onFailure(e -> {
                    e.printStackTrace();
                    System.exit(1);
                });
    }

    @Override
    public void start(Promise<Void> started) {
        vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true))
                .requestHandler(this::handle)
                .listen()
                .<Void>mapEmpty()
                .onComplete(started);
    }

    private void handle(HttpServerRequest req) {
        if (req.method() == HttpMethod.GET && "/health".equals(req.path())) {
            req.response().end();
            return;
        }
        if (req.method() != HttpMethod.POST || !"/v1/chat/completions".equals(req.path())) {
            req.response().setStatusCode(404).end();
            return;
        }
        req.body().onSuccess(body -> {
            int maxTokens;
            try {
                // reading the request is part of any server's job; the gateway reads much more
                maxTokens = new JsonObject(body).getInteger("max_tokens", 16);
            } catch (RuntimeException e) {
                req.response().setStatusCode(400).end();
                return;
            }
            new StreamWriter(req.response(), maxTokens).start();
        });
    }

    /** Writes one stream: role, content events, finish, [DONE]; pauses while the socket's write queue is full. */
    private final class StreamWriter {
        private final HttpServerResponse response;
        private final int total;
        private final ChatChunkTemplate chunks;
        private int next;
        private boolean closed;

        StreamWriter(HttpServerResponse response, int total) {
            this.response = response;
            this.total = Math.max(1, total);
            ThreadLocalRandom r = ThreadLocalRandom.current();
            String id = "chatcmpl-" + String.format("%016x%016x", r.nextLong(), r.nextLong());
            this.chunks = new ChatChunkTemplate(id, System.currentTimeMillis() / 1000, model, pieces);
        }

        void start() {
            response.setStatusCode(200)
                    .putHeader("X-Evalgate-System-Prompt", "none")
                    .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                    .putHeader("Cache-Control", "no-cache")
                    .setChunked(true);
            response.closeHandler(v -> closed = true);
            response.write(chunks.role());
            pump();
        }

        private void pump() {
            int written = 0;
            while (next < total) {
                if (closed) {
                    return;
                }
                if (response.writeQueueFull()) {
                    response.drainHandler(v -> pump());
                    return;
                }
                response.write(chunks.content(next, total));
                next++;
                // slice > 0: give other streams on this loop a turn, like an engine interleaving sequences would
                if (slice > 0 && ++written >= slice && next < total) {
                    vertx.runOnContext(v -> pump());
                    return;
                }
            }
            if (!closed) {
                response.end(Buffer.buffer(ChatChunkTemplate.DONE));
            }
        }
    }
}
