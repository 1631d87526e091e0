package dev.evalgate.api;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import dev.evalgate.scoring.runs.EvalTag;

/**
 * Bounds on what one request may ask for, so that no single request can take the gateway's memory or time: each is a
 * setting ({@code evalgate.limits.*}), and a request past one gets a 400 naming the field and the limit before any
 * costly work (rendering, tokenizing, the engine).
 *
 * @param maxBodyBytes the largest request body, in bytes (413 past it)
 * @param maxMessages the most messages in a chat request
 * @param maxPromptChars the most characters of text in a request's messages or prompts, all together
 * @param maxPrompts the most prompts in one {@code /v1/completions} request
 * @param maxN the most choices ({@code n}) per prompt
 * @param maxStops the most stop strings
 * @param maxStopChars the most characters of all stop strings together
 * @param maxTokens the largest {@code max_tokens}
 * @param maxLogprobs the most alternatives per position ({@code top_logprobs}, {@code logprobs})
 * @param maxMetadataEntries the most {@code metadata} entries (OpenAI allows 16)
 * @param maxIdChars the longest {@code metadata} key or value and {@code X-Eval-*} header: run, task and document ids
 */
public record RequestLimits(long maxBodyBytes, int maxMessages, int maxPromptChars, int maxPrompts, int maxN,
        int maxStops, int maxStopChars, int maxTokens, int maxLogprobs, int maxMetadataEntries, int maxIdChars) {

    /** The defaults of {@code evalgate.limits.*}. */
    public static RequestLimits defaults() {
        return new RequestLimits(4L << 20, 1024, 2_000_000, 256, 16, 64, 4096, 16384, 20, 16, 512);
    }

    void messages(List<JsonNode> messages) {
        if (messages != null && messages.size() > maxMessages) {
            throw tooMany("messages", messages.size() + " messages", maxMessages, "evalgate.limits.max-messages");
        }
    }

    /** Counts text as it is read: call with each message's or prompt's length, the running total returned. */
    int promptChars(int total, int more, String param) {
        long sum = (long) total + more;
        if (sum > maxPromptChars) {
            throw tooMany(param, "more than " + maxPromptChars + " characters of text", maxPromptChars,
                    "evalgate.limits.max-prompt-chars");
        }
        return (int) sum;
    }

    void prompts(int count) {
        if (count > maxPrompts) {
            throw tooMany("prompt", count + " prompts", maxPrompts, "evalgate.limits.max-prompts");
        }
    }

    void sampling(Integer n, List<String> stop, Integer maxTokensRequested, String maxParam) {
        if (n != null && n > maxN) {
            throw tooMany("n", "n=" + n, maxN, "evalgate.limits.max-n");
        }
        if (stop.size() > maxStops) {
            throw tooMany("stop", stop.size() + " stop strings", maxStops, "evalgate.limits.max-stops");
        }
        long chars = 0;
        for (String s : stop) {
            chars += s == null ? 0 : s.length();
        }
        if (chars > maxStopChars) {
            throw tooMany("stop", chars + " characters of stop strings", maxStopChars, "evalgate.limits.max-stop-chars");
        }
        if (maxTokensRequested != null && maxTokensRequested > maxTokens) {
            throw tooMany(maxParam, maxParam + "=" + maxTokensRequested, maxTokens, "evalgate.limits.max-tokens");
        }
    }

    void logprobs(int top, String param) {
        if (top > maxLogprobs) {
            throw ApiException.badRequest(param, "Requested sample logprobs of " + top
                    + ", which is greater than max allowed: " + maxLogprobs);
        }
    }

    /** The benchmark document a request belongs to, its ids bounded; null when it is not tagged. */
    EvalTag tag(Map<String, Object> metadata, Function<String, String> header) {
        if (metadata != null) {
            if (metadata.size() > maxMetadataEntries) {
                throw tooMany("metadata", metadata.size() + " entries", maxMetadataEntries,
                        "evalgate.limits.max-metadata-entries");
            }
            metadata.forEach((key, value) -> {
                if (key.length() > maxIdChars || (value != null && value.toString().length() > maxIdChars)) {
                    throw tooMany("metadata", "an entry (`" + key.substring(0, Math.min(key.length(), 40))
                            + "`) longer than " + maxIdChars + " characters", maxIdChars, "evalgate.limits.max-id-chars");
                }
            });
        }
        for (String name : List.of("X-Eval-Run", "X-Eval-Task", "X-Eval-Doc-Id")) {
            String value = header.apply(name);
            if (value != null && value.length() > maxIdChars) {
                throw tooMany(name, "a " + name + " header longer than " + maxIdChars + " characters", maxIdChars,
                        "evalgate.limits.max-id-chars");
            }
        }
        return EvalTag.of(metadata, header);
    }

    private static ApiException tooMany(String param, String what, long limit, String setting) {
        return ApiException.badRequest(param, "The request has " + what + "; this gateway takes at most " + limit
                + " (" + setting + ").");
    }
}
