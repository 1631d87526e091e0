package dev.evalgate.api;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes SSE events from engine threads to one response, coalescing: events produced while the event loop is busy go
 * out together in one write (one syscall) on the response's event loop; an idle stream still sends each event at once.
 * Thread-safe.
 */
final class SseWriter {

    private final HttpServerResponse response;
    private final Context context;
    private final StringBuilder pending = new StringBuilder(512);
    private boolean scheduled;
    private boolean ending;

    /** Must be created on the response's event loop. */
    SseWriter(HttpServerResponse response, Context context) {
        this.response = response;
        this.context = context;
    }

    /** Queues an event. */
    void write(String event) {
        enqueue(event, false);
    }

    /** Queues the last events and ends the response after them; later calls are ignored. */
    void end(String lastEvents) {
        enqueue(lastEvents, true);
    }

    private void enqueue(String text, boolean last) {
        boolean schedule;
        synchronized (this) {
            if (ending) {
                return;
            }
            pending.append(text);
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
        synchronized (this) {
            out = pending.toString();
            pending.setLength(0);
            scheduled = false;
            end = ending;
        }
        if (response.closed() || response.ended()) {
            return;
        }
        if (end) {
            response.end(out);
        } else if (!out.isEmpty()) {
            response.write(out);
        }
    }
}
