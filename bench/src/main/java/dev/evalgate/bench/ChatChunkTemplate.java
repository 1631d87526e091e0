package dev.evalgate.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import io.vertx.core.buffer.Buffer;

/**
 * The SSE events of one streamed chat completion, byte for byte in the form the gateway writes (vLLM's): a role
 * event, content events, a finish event that carries the last piece, and {@code [DONE]}.
 */
final class ChatChunkTemplate {

    static final byte[] DONE = utf8("data: [DONE]\n\n");

    private static final byte[] ROLE_TAIL = utf8(
            ",\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
    private static final byte[] CONTENT_OPEN = utf8(",\"delta\":{\"content\":");
    private static final byte[] CONTENT_CLOSE = utf8("},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
    private static final byte[] FINISH_CLOSE = utf8(
            "},\"logprobs\":null,\"finish_reason\":\"length\",\"stop_reason\":null}]}\n\n");

    private final byte[] prefix;
    private final byte[][] quotedPieces;

    /** @param quotedPieces from {@link #quote(List)}; a stream longer than the list cycles through it */
    ChatChunkTemplate(String id, long created, String model, byte[][] quotedPieces) {
        // choice index 0 belongs in the prefix: the benchmark never asks for n > 1
        this.prefix = utf8("data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                + ",\"model\":" + quote(model) + ",\"choices\":[{\"index\":0");
        this.quotedPieces = quotedPieces;
    }

    /** JSON-quotes the content pieces once, up front: every stream reuses them. */
    static byte[][] quote(List<String> pieces) {
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("no content pieces to stream");
        }
        byte[][] out = new byte[pieces.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = utf8(quote(pieces.get(i)));
        }
        return out;
    }

    Buffer role() {
        return Buffer.buffer(prefix.length + ROLE_TAIL.length).appendBytes(prefix).appendBytes(ROLE_TAIL);
    }

    /** Content event {@code i} (0-based) of a stream of {@code total}; the last one is the finish event. */
    Buffer content(int i, int total) {
        byte[] piece = quotedPieces[i % quotedPieces.length];
        byte[] close = i == total - 1 ? FINISH_CLOSE : CONTENT_CLOSE;
        return Buffer.buffer(prefix.length + CONTENT_OPEN.length + piece.length + close.length)
                .appendBytes(prefix).appendBytes(CONTENT_OPEN).appendBytes(piece).appendBytes(close);
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        JsonStringEncoder.getInstance().quoteAsString(s, sb);
        return sb.append('"').toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
