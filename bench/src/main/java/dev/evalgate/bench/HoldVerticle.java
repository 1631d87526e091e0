package dev.evalgate.bench;

import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * Opens a number of long, slow streams on one event loop and keeps them open until undeployed, which closes every
 * connection. Reports through shared counters so the orchestrating thread can poll without hopping threads.
 */
final class HoldVerticle extends AbstractVerticle {

    private final int port;
    private final Buffer body;
    private final int streams;
    private final int openParallel;
    private final AtomicInteger firstContent;
    private final AtomicInteger failed;
    private final StringBuffer firstError;

    private HttpClient client;
    private int opened;
    private int opening;
    private boolean closing;

    /**
     * @param openParallel most requests waiting for their response head at once: opening thousands in one burst
     *        only overflows the listen backlog and measures SYN retries
     * @param firstContent incremented once per stream, on its first content event
     * @param failed incremented once per stream that failed or ended while it should still be open
     */
    HoldVerticle(int port, Buffer body, int streams, int openParallel, AtomicInteger firstContent,
            AtomicInteger failed, StringBuffer firstError) {
        this.port = port;
        this.body = body;
        this.streams = streams;
        this.openParallel = openParallel;
        this.firstContent = firstContent;
        this.failed = failed;
        this.firstError = firstError;
    }

    @Override
    public void start() {
        client = vertx.createHttpClient(StreamLoadVerticle.clientOptions(port), new PoolOptions().setHttp1MaxSize(streams));
        openMore();
    }

    @Override
    public void stop(Promise<Void> stopped) {
        // the streams closed from here on end because we close them, not because the server failed them
        closing = true;
        client.close().onComplete(stopped);
    }

    private void openMore() {
        while (opened < streams && opening < openParallel) {
            opened++;
            opening++;
            HeldStream s = new HeldStream();
            client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(StreamLoadVerticle.PATH)
                    .putHeader("Content-Type", "application/json"))
                    .onSuccess(s::send)
                    .onFailure(s::fail);
        }
    }

    /** One stream that should stay open until the end. */
    private final class HeldStream implements SseEventScanner.Listener {
        private final SseEventScanner scanner = new SseEventScanner(this);
        private boolean headSeen;
        private boolean first;
        private boolean over;

        void send(HttpClientRequest req) {
            req.send(body.copy()).onSuccess(this::response).onFailure(this::fail);
        }

        private void response(HttpClientResponse resp) {
            headSeen();
            if (resp.statusCode() != 200) {
                fail(new IllegalStateException("HTTP " + resp.statusCode()));
                return;
            }
            resp.handler(scanner::feed);
            resp.exceptionHandler(this::fail);
            resp.endHandler(v -> fail(new IllegalStateException("stream ended before the measurement")));
        }

        private void headSeen() {
            if (!headSeen) {
                headSeen = true;
                opening--;
                if (!closing) {
                    openMore();
                }
            }
        }

        @Override
        public void event(SseEventScanner.Kind kind) {
            if (kind == SseEventScanner.Kind.CONTENT && !first) {
                first = true;
                firstContent.incrementAndGet();
            } else if (kind == SseEventScanner.Kind.ERROR) {
                fail(new IllegalStateException("error event in the stream"));
            }
        }

        void fail(Throwable t) {
            headSeen();
            if (over || closing) {
                return;
            }
            over = true;
            failed.incrementAndGet();
            if (firstError.length() == 0) {
                firstError.append(t);
            }
        }
    }
}
