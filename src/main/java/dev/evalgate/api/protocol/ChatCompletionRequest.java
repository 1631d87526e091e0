package dev.evalgate.api.protocol;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** The body of {@code POST /v1/chat/completions} as harnesses send it; unknown fields are ignored, as vLLM does. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ChatCompletionRequest(
        String model,
        List<JsonNode> messages,
        Boolean stream,
        StreamOptions streamOptions,
        Integer maxTokens,
        Integer maxCompletionTokens,
        Double temperature,
        Double topP,
        Integer topK,
        Long seed,
        Integer n,
        Boolean logprobs,
        Integer topLogprobs,
        JsonNode stop,
        Boolean includeStopStrInOutput,
        Boolean addGenerationPrompt,
        Map<String, Object> chatTemplateKwargs,
        List<Object> tools,
        Map<String, Object> metadata) {

    public boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }

    public boolean includeUsage() {
        return streamOptions != null && Boolean.TRUE.equals(streamOptions.includeUsage());
    }
}
