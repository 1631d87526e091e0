package dev.evalgate.bench;

import java.util.Arrays;

import io.vertx.core.buffer.Buffer;

/**
 * Splits a chat-completion SSE byte stream into events as the bytes arrive and says what each event is. It looks only
 * for fixed markers, not at the JSON, so that the client costs little next to the server it measures.
 */
final class SseEventScanner {

    /** What an event is, as far as the benchmark cares. */
    enum Kind {
        ROLE, CONTENT, USAGE, DONE, ERROR, OTHER
    }

    /** Hears each complete event; called on the thread that feeds the scanner. */
    interface Listener {
        void event(Kind kind);
    }

    private static final byte[] DONE = "data: [DONE]".getBytes();
    private static final byte[] CONTENT = "\"delta\":{\"content\":".getBytes();
    private static final byte[] ROLE = "\"delta\":{\"role\":".getBytes();
    private static final byte[] ERROR = "\"error\":".getBytes();
    private static final byte[] COMPLETION_TOKENS = "\"completion_tokens\":".getBytes();

    private final Listener listener;
    // the event being assembled: events span network reads, never the other way round in a way we can rely on
    private byte[] event = new byte[512];
    private int length;
    private int completionTokens = -1;

    SseEventScanner(Listener listener) {
        this.listener = listener;
    }

    void feed(Buffer data) {
        int n = data.length();
        int end = length + n;
        if (end > event.length) {
            event = Arrays.copyOf(event, Math.max(end, event.length * 2));
        }
        data.getBytes(0, n, event, length);
        int start = 0;
        // resume the search one byte back: a "\n\n" may straddle two reads
        for (int i = Math.max(1, length); i < end; i++) {
            if (event[i] == '\n' && event[i - 1] == '\n') {
                Kind kind = classify(event, start, i + 1);
                if (kind == Kind.USAGE) {
                    completionTokens = number(event, indexOf(event, start, i + 1, COMPLETION_TOKENS)
                            + COMPLETION_TOKENS.length);
                }
                listener.event(kind);
                start = i + 1;
            }
        }
        length = end - start;
        if (start > 0 && length > 0) {
            System.arraycopy(event, start, event, 0, length);
        }
    }

    /** {@code usage.completion_tokens} of the stream's usage event, -1 before one came. */
    int completionTokens() {
        return completionTokens;
    }

    /** Bytes received that do not yet form a whole event. */
    int pending() {
        return length;
    }

    static Kind classify(byte[] b, int from, int to) {
        if (startsWith(b, from, to, DONE)) {
            return Kind.DONE;
        }
        if (indexOf(b, from, to, CONTENT) >= 0) {
            return Kind.CONTENT;
        }
        if (indexOf(b, from, to, COMPLETION_TOKENS) >= 0) {
            return Kind.USAGE;
        }
        if (indexOf(b, from, to, ROLE) >= 0) {
            return Kind.ROLE;
        }
        if (indexOf(b, from, to, ERROR) >= 0) {
            return Kind.ERROR;
        }
        return Kind.OTHER;
    }

    private static int number(byte[] b, int at) {
        int n = 0;
        while (b[at] == ' ') {
            at++;
        }
        for (; b[at] >= '0' && b[at] <= '9'; at++) {
            n = n * 10 + (b[at] - '0');
        }
        return n;
    }

    private static boolean startsWith(byte[] b, int from, int to, byte[] p) {
        if (to - from < p.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            if (b[from + i] != p[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, int from, int to, byte[] p) {
        outer:
        for (int i = from; i <= to - p.length; i++) {
            if (b[i] != p[0]) {
                continue;
            }
            for (int j = 1; j < p.length; j++) {
                if (b[i + j] != p[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
