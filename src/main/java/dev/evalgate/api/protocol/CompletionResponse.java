package dev.evalgate.api.protocol;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A {@code text_completion}: the whole answer of {@code /v1/completions}, or one streamed chunk of it (then each choice
 * carries its new text, and {@code usage} only the last chunk, or every chunk with {@code continuous_usage_stats}).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CompletionResponse(String id, String object, long created, String model, List<Choice> choices,
        @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {

    public CompletionResponse(String id, long created, String model, List<Choice> choices, Usage usage) {
        this(id, "text_completion", created, model, choices, usage);
    }

    /**
     * One choice: for prompt {@code i} and sample {@code k} of {@code n}, {@code index = i * n + k}.
     *
     * @param finishReason null until the choice ends
     * @param stopReason vLLM's: the stop string that ended it, null otherwise
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Choice(int index, String text, Logprobs logprobs, String finishReason, String stopReason) {
    }

    /**
     * OpenAI's legacy log-probabilities, one entry per token (with {@code echo}, the prompt's tokens first; the first
     * prompt token has null entries, as nothing precedes it).
     *
     * @param textOffset where each token starts in the choice's text, in characters
     * @param topLogprobs per position the token itself and the most likely tokens there, text to log-probability
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Logprobs(List<Integer> textOffset, List<Double> tokenLogprobs, List<String> tokens,
            List<Map<String, Double>> topLogprobs) {
    }
}
