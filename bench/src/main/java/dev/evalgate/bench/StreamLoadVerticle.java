package dev.evalgate.bench;

import java.util.List;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * Keeps a fixed number of streams going on one event loop, back to back, until a deadline: each slot sends a
 * streaming chat request, reads it to the end, and sends the next. Counts content events inside the measurement
 * window and the time to first content of the streams that started inside it.
 *
 * <p>All state is touched only on this verticle's event loop; {@link #snapshot()} reads it there too.
 */
final class StreamLoadVerticle extends AbstractVerticle {

    static final String PATH = "/v1/chat/completions";
    /** PARus gold rows the bench uploads for tagged requests ({@code LoadClient gold}). */
    static final int GOLD_ROWS = 1000;

    private final int port;
    private final List<Buffer> bodies;
    private final int slots;
    private final long windowStart;
    private final long windowEnd;
    private final int expectedContent;
    private final boolean tagged;
    private final Promise<Void> finished = Promise.promise();

    private HttpClient client;
    private int activeSlots;
    private int inFlight;
    private long windowContent;
    private long started;
    private long completed;
    private long windowCompleted;
    private long incomplete;
    private long errors;
    private long miscounted;
    private String firstError;
    private final LatencySamples ttft = new LatencySamples();

    /**
     * @param windowStart {@link System#nanoTime()} at which counting starts; load before it is warm-up
     * @param windowEnd when counting stops and slots stop sending new requests
     * @param bodies the request bodies, sent in turn
     * @param expectedContent content events a complete stream has (max_tokens), or -1 when any count is right (a
     *        stop string may end a stream early)
     * @param tagged whether requests carry {@code X-Eval-*} headers: PARus documents 0..999 of run {@code bench}, in
     *        turn, so the gateway scores each one live
     */
    StreamLoadVerticle(int port, List<Buffer> bodies, int slots, long windowStart, long windowEnd, int expectedContent,
            boolean tagged) {
        this.port = port;
        this.bodies = bodies;
        this.slots = slots;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.expectedContent = expectedContent;
        this.tagged = tagged;
    }

    @Override
    public void start() {
        client = vertx.createHttpClient(clientOptions(port), new PoolOptions().setHttp1MaxSize(slots));
        activeSlots = slots;
        for (int i = 0; i < slots; i++) {
            next();
        }
    }

    static HttpClientOptions clientOptions(int port) {
        return new HttpClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(port)
                .setKeepAlive(true)
                .setPipelining(false)
                .setTcpNoDelay(true)
                .setConnectTimeout(10_000);
    }

    @Override
    public void stop(Promise<Void> stopped) {
        client.close().onComplete(stopped);
    }

    /** Completes once every slot has stopped, i.e. the deadline passed and the last streams ended. */
    Future<Void> finished() {
        return finished.future();
    }

    private void next() {
        if (System.nanoTime() >= windowEnd) {
            if (--activeSlots == 0) {
                finished.tryComplete();
            }
            return;
        }
        started++;
        inFlight++;
        Stream stream = new Stream(bodies.get((int) (started % bodies.size())));
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setURI(PATH)
                .putHeader("Content-Type", "application/json");
        if (tagged) {
            request.putHeader("X-Eval-Run", "bench").putHeader("X-Eval-Task", "parus")
                    .putHeader("X-Eval-Doc-Id", Long.toString(started % GOLD_ROWS));
        }
        client.request(request)
                .onSuccess(stream::send)
                .onFailure(stream::fail);
    }

    /** One request and its response. */
    private final class Stream implements SseEventScanner.Listener {
        private final SseEventScanner scanner = new SseEventScanner(this);
        private final Buffer body;
        private long sentAt;
        private int content;
        private boolean done;
        private boolean errorEvent;
        private boolean over;

        Stream(Buffer body) {
            this.body = body;
        }

        void send(HttpClientRequest req) {
            sentAt = System.nanoTime();
            req.send(body.copy()).onSuccess(this::response).onFailure(this::fail);
        }

        private void response(HttpClientResponse resp) {
            if (resp.statusCode() != 200) {
                resp.body().onComplete(b -> fail(new IllegalStateException("HTTP " + resp.statusCode() + ": "
                        + (b.succeeded() ? b.result().toString() : ""))));
                return;
            }
            resp.handler(scanner::feed);
            resp.exceptionHandler(this::fail);
            resp.endHandler(v -> end());
        }

        @Override
        public void event(SseEventScanner.Kind kind) {
            switch (kind) {
                case CONTENT -> {
                    long now = System.nanoTime();
                    if (content++ == 0 && sentAt >= windowStart && sentAt < windowEnd) {
                        ttft.add(now - sentAt);
                    }
                    if (now >= windowStart && now < windowEnd) {
                        windowContent++;
                    }
                }
                case USAGE -> {
                    // the gateway merges a token that ends inside a UTF-8 character into the next content event:
                    // the tokens the usage counts and no event carried, counted when it comes
                    long now = System.nanoTime();
                    if (now >= windowStart && now < windowEnd) {
                        windowContent += Math.max(0, scanner.completionTokens() - content);
                    }
                }
                case DONE -> done = true;
                case ERROR -> errorEvent = true;
                default -> {
                }
            }
        }

        private void end() {
            if (over) {
                return;
            }
            over = true;
            inFlight--;
            if (done && !errorEvent && scanner.pending() == 0) {
                completed++;
                long now = System.nanoTime();
                if (now >= windowStart && now < windowEnd) {
                    windowCompleted++;
                }
                int tokens = scanner.completionTokens() >= 0 ? scanner.completionTokens() : content;
                if (expectedContent >= 0 && tokens != expectedContent) {
                    miscounted++;
                }
            } else {
                incomplete++;
                note("stream ended without [DONE]" + (errorEvent ? " (error event)" : "") + " after " + content
                        + " content events");
            }
            next();
        }

        void fail(Throwable failure) {
            if (over) {
                return;
            }
            over = true;
            inFlight--;
            errors++;
            note(failure.toString());
            // do not spin on a server that refuses: the next request waits a little
            vertx.setTimer(10, t -> next());
        }
    }

    private void note(String error) {
        if (firstError == null) {
            firstError = error;
        }
    }

    /** The counters, read on this verticle's event loop. */
    Future<Snapshot> snapshot() {
        Promise<Snapshot> p = Promise.promise();
        context.runOnContext(v -> {
            // a copy: undeploying fails the streams still open, and that must not race the caller's reading
            LatencySamples samples = new LatencySamples();
            samples.addAll(ttft);
            p.complete(new Snapshot(windowContent, windowCompleted, started, completed, incomplete, errors, miscounted,
                    inFlight, samples, firstError));
        });
        return p.future();
    }

    /** What one verticle counted; {@code inFlight} streams had not ended when the snapshot was taken. */
    record Snapshot(long windowContent, long windowCompleted, long started, long completed, long incomplete,
            long errors, long miscounted, long inFlight, LatencySamples ttft, String firstError) {
    }
}
