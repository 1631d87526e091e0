package dev.evalgate.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.evalgate.engine.EngineCapabilities;
import dev.evalgate.engine.SamplingParams;

/**
 * The sampling fields both completion endpoints share, checked the way vLLM checks them: ranges first, then the
 * token budget against the model's context once the prompt length is known, then what the engine can give.
 */
final class SamplingFields {

    private SamplingFields() {
    }

    /**
     * Validates the request's sampling fields for a prompt of {@code promptLen} tokens.
     *
     * @param requestedMax the client's token budget, null for the rest of the context
     * @param maxParam the field the budget came from, for error messages
     * @param promptParam the field the prompt came from, for error messages
     */
    static SamplingParams validated(ServedModel model, Double temperature, Double topP, Integer topK, Long seed,
            Integer requestedMax, String maxParam, String promptParam, JsonNode stop, Boolean includeStop, int n,
            int promptLen) {
        int maxLen = model.maxModelLen();
        if (promptLen >= maxLen) {
            throw ApiException.badRequest(promptParam, "Input length (" + promptLen + ") exceeds model's maximum context length (" + maxLen + ").");
        }
        int maxTokens = requestedMax == null ? maxLen - promptLen : requestedMax;
        SamplingParams sampling = SamplingParams.validated(temperature, topP, topK, seed, maxTokens, stopList(stop),
                Boolean.TRUE.equals(includeStop), n);
        if (promptLen + maxTokens > maxLen) {
            throw ApiException.badRequest(maxParam,
                    "This model's maximum context length is " + maxLen + " tokens. However, you requested "
                            + maxTokens + " output tokens and your prompt contains " + promptLen
                            + " input tokens, for a total of " + (promptLen + maxTokens)
                            + " tokens. Please reduce the length of the input prompt or the number of requested output tokens.");
        }
        return sampling;
    }

    /** Checks the ranges alone, before the costlier prompt rendering (the budget then needs the prompt length). */
    static void precheck(Double temperature, Double topP, Integer topK, Long seed, Integer requestedMax, JsonNode stop,
            Boolean includeStop, int n) {
        SamplingParams.validated(temperature, topP, topK, seed, requestedMax == null ? 1 : requestedMax, stopList(stop),
                Boolean.TRUE.equals(includeStop), n);
    }

    /**
     * Refuses log-probabilities the engine cannot give, naming the engine and why, instead of answering with made-up
     * numbers.
     *
     * @param top how many most likely tokens per position were asked for
     */
    static void checkLogprobs(ServedModel model, boolean generated, boolean prompt, int top, String param) {
        EngineCapabilities can = model.engine().capabilities();
        if ((generated && !can.logprobs()) || (prompt && !can.promptLogprobs())) {
            throw ApiException.badRequest(param, "The " + model.engine().name() + " engine cannot give "
                    + (prompt && !can.promptLogprobs() ? "log-probabilities of prompt tokens (`echo` with `logprobs`)"
                            : "log-probabilities")
                    + ": " + can.unsupportedReason() + ".");
        }
        if (top > can.maxTopLogprobs()) {
            // the engine's own bound, when lower than the gateway's (evalgate.limits.max-logprobs)
            throw ApiException.badRequest(param, "Requested sample logprobs of " + top
                    + ", which is greater than max allowed: " + can.maxTopLogprobs());
        }
    }

    static List<String> stopList(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        if (stop.isArray()) {
            List<String> out = new ArrayList<>(stop.size());
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw ApiException.badRequest("stop", "`stop` must be a string or a list of strings.");
                }
                out.add(s.asText());
            }
            return out;
        }
        throw ApiException.badRequest("stop", "`stop` must be a string or a list of strings.");
    }
}
