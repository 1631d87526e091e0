package dev.evalgate.api;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import dev.evalgate.generation.FinishReason;

/**
 * Serialises the SSE events of one streamed chat completion in vLLM's exact form ({@code data: <compact json>\n\n}).
 * The per-token chunk is a precomputed prefix plus the escaped delta, because it is on the hot path.
 */
final class ChatCompletionChunks {

    static final String DONE = "data: [DONE]\n\n";

    private final String prefix;
    private final String usagePrefix;

    ChatCompletionChunks(String id, long created, String model) {
        String head = "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                + ",\"model\":" + quote(model) + ",\"choices\":";
        this.prefix = head + "[{\"index\":";
        this.usagePrefix = head + "[],\"usage\":";
    }

    /** The first chunk of a choice: the role. */
    String role(int index) {
        return prefix + index + ",\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
    }

    /** A content delta. */
    String content(int index, String text) {
        // the JSON around the delta is 67 characters: leave room for it and some escaping, so the buffer never grows
        StringBuilder sb = new StringBuilder(prefix.length() + text.length() + 96);
        sb.append(prefix).append(index).append(",\"delta\":{\"content\":");
        appendQuoted(sb, text);
        return sb.append("},\"logprobs\":null,\"finish_reason\":null}]}\n\n").toString();
    }

    /** The last chunk of a choice: the remaining text (if any) with finish_reason and vLLM's stop_reason. */
    String finish(int index, String text, FinishReason reason, String stopReason) {
        StringBuilder sb = new StringBuilder(prefix.length() + text.length() + 96);
        sb.append(prefix).append(index).append(",\"delta\":{");
        if (!text.isEmpty()) {
            sb.append("\"content\":");
            appendQuoted(sb, text);
        }
        sb.append("},\"logprobs\":null,\"finish_reason\":\"").append(reason.wire()).append("\",\"stop_reason\":");
        if (stopReason == null) {
            sb.append("null");
        } else {
            appendQuoted(sb, stopReason);
        }
        return sb.append("}]}\n\n").toString();
    }

    /** The usage chunk, sent after all finish chunks when {@code stream_options.include_usage} is true. */
    String usage(int promptTokens, int completionTokens) {
        return usagePrefix + "{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + completionTokens
                + ",\"total_tokens\":" + (promptTokens + completionTokens) + "}}\n\n";
    }

    /** An error after the stream started; the HTTP status is already 200. */
    static String error(String errorJson) {
        return event(errorJson);
    }

    /** One SSE event carrying a JSON object. */
    static String event(String json) {
        return "data: " + json + "\n\n";
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        appendQuoted(sb, s);
        return sb.toString();
    }

    private static void appendQuoted(StringBuilder sb, String s) {
        sb.append('"');
        JsonStringEncoder.getInstance().quoteAsString(s, sb);
        sb.append('"');
    }
}
