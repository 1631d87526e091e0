package dev.evalgate.api.protocol;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** vLLM's tokenizer endpoints at the server root: {@code /tokenize}, {@code /detokenize}, {@code /tokenizer_info}. */
public final class Tokenization {

    private Tokenization() {
    }

    /** {@code POST /tokenize}: {@code {"prompt", "add_special_tokens"}} or {@code {"messages", ...}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TokenizeRequest(String model, String prompt, Boolean addSpecialTokens, List<JsonNode> messages,
            Boolean addGenerationPrompt, List<Object> tools, Map<String, Object> chatTemplateKwargs,
            Boolean returnTokenStrs) {
    }

    /** The token ids, as many as {@code count}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TokenizeResponse(int count, int maxModelLen, int[] tokens, List<String> tokenStrs) {
    }

    /** {@code POST /detokenize}: {@code {"tokens"}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DetokenizeRequest(String model, List<Integer> tokens) {
    }

    /** The text of the tokens. */
    public record DetokenizeResponse(String prompt) {
    }

    /** {@code GET /tokenizer_info}: special tokens and the chat template, which lm-eval's remote tokenizer needs. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TokenizerInfo(String tokenizerClass, String bosToken, String eosToken, String padToken,
            int modelMaxLength, String chatTemplate, String chatTemplateSource) {
    }
}
