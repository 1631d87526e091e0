package dev.evalgate.api.protocol;

import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The body of {@code POST /v1/completions} as harnesses send it; unknown fields are ignored, as vLLM does.
 *
 * @param prompt a text, a list of token ids, or a list of either (one choice group per prompt)
 * @param logprobs how many most likely tokens to list per position; with {@code echo} the prompt's positions too
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CompletionRequest(
        String model,
        JsonNode prompt,
        Boolean stream,
        StreamOptions streamOptions,
        Integer maxTokens,
        Double temperature,
        Double topP,
        Integer topK,
        Long seed,
        Integer n,
        JsonNode stop,
        Boolean includeStopStrInOutput,
        Boolean echo,
        Integer logprobs,
        String suffix,
        Boolean addSpecialTokens,
        Map<String, Object> metadata) {

    public boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }

    public boolean echoes() {
        return Boolean.TRUE.equals(echo);
    }
}
