package dev.evalgate.api;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.evalgate.ops.ServingMetrics;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes SSE events from engine threads to one response, coalescing: events produced while the event loop is busy go
 * out together in one write (one syscall) on the response's event loop; an idle stream still sends each event at once.
 * Thread-safe. Times each write from the engine handing over its oldest token to the bytes going to the socket.
 */
final class SseWriter {

    private final HttpServerResponse response;
    private final Context context;
    /** The one event waiting for the event loop, or null: it goes out as it came, without a copy. */
    private String pending;
    /** The events waiting, when more than one waits; null otherwise (an idle stream holds no buffer). */
    private StringBuilder batch;
    private boolean scheduled;
    private boolean ending;
    private final ServingMetrics timings;
    /** When the engine handed over the oldest token waiting in {@link #pending}, 0 when none waits. */
    private long oldestTokenNanos;
    /** Completes once the response has ended (its last bytes written) or its connection closed. */
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    /**
     * @param context the response's: created on its event loop, or on a worker running a blocking task for it (Vert.x
     *        keeps the event-loop context current there)
     */
    SseWriter(HttpServerResponse response, Context context, ServingMetrics timings) {
        this.response = response;
        this.context = context;
        this.timings = timings;
    }

    /** Queues an event that carries no token. */
    void write(String event) {
        enqueue(event, false, 0);
    }

    /** Queues an event carrying a token the engine handed over at {@code engineNanos} ({@link System#nanoTime()}). */
    void write(String event, long engineNanos) {
        enqueue(event, false, engineNanos);
    }

    /**
     * Queues the last events and ends the response after them; later calls are ignored. The stage completes when the
     * response has ended or its connection closed.
     */
    CompletionStage<Void> end(String lastEvents) {
        enqueue(lastEvents, true, 0);
        return ended;
    }

    private void enqueue(String text, boolean last, long engineNanos) {
        boolean schedule;
        synchronized (this) {
            if (ending) {
                return;
            }
            if (oldestTokenNanos == 0) {
                oldestTokenNanos = engineNanos;
            }
            if (pending == null && batch == null) {
                pending = text;
            } else {
                if (batch == null) {
                    batch = new StringBuilder(pending.length() + text.length() + 256).append(pending);
                    pending = null;
                }
                batch.append(text);
            }
            ending = last;
            schedule = !scheduled;
            scheduled = true;
        }
        if (schedule) {
            context.runOnContext(v -> drain());
        }
    }

    /** On the event loop: sends everything queued so far. */
    private void drain() {
        String out;
        boolean end;
        long oldest;
        synchronized (this) {
            out = batch != null ? batch.toString() : pending != null ? pending : "";
            pending = null;
            batch = null;
            scheduled = false;
            end = ending;
            oldest = oldestTokenNanos;
            oldestTokenNanos = 0;
        }
        if (response.closed() || response.ended()) {
            ended.complete(null);
            return;
        }
        if (end) {
            response.end(out).onComplete(r -> ended.complete(null));
        } else if (!out.isEmpty()) {
            response.write(out);
        }
        if (oldest != 0) {
            timings.tokenToSocket(System.nanoTime() - oldest);
        }
    }
}
