package dev.evalgate.engine.upstream;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.vertx.core.buffer.Buffer;

/**
 * Splits a server-sent-events body, as it arrives in pieces, into the {@code data} of each event (several
 * {@code data:} lines of one event joined by newlines; comments and other fields skipped). Events end at a blank line;
 * CRLF and LF line ends are both read. Works on bytes, so a character split between two pieces is whole again before
 * it is decoded. Not thread-safe: one per response.
 */
final class SseEventReader {

    /** The bytes of the line not yet ended. */
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    /** The data lines of the event not yet ended, or null when it has none so far. */
    private StringBuilder data;

    /** Takes the next piece of the body; returns the data of the events it completed, in order. */
    List<String> feed(Buffer piece) {
        List<String> events = new ArrayList<>(2);
        byte[] bytes = piece.getBytes();
        int from = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                line.write(bytes, from, i - from);
                from = i + 1;
                endLine(events);
            }
        }
        line.write(bytes, from, bytes.length - from);
        return events;
    }

    private void endLine(List<String> events) {
        byte[] raw = line.toByteArray();
        line.reset();
        int length = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
        if (length == 0) {
            if (data != null) {
                events.add(data.toString());
                data = null;
            }
            return;
        }
        String text = new String(raw, 0, length, StandardCharsets.UTF_8);
        if (text.startsWith("data:")) {
            String value = text.startsWith("data: ") ? text.substring(6) : text.substring(5);
            if (data == null) {
                data = new StringBuilder(value);
            } else {
                data.append('\n').append(value);
            }
        }
    }
}
