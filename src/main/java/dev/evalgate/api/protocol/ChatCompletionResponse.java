package dev.evalgate.api.protocol;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** A whole {@code chat.completion} answer (a request without {@code stream}), in vLLM's form. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ChatCompletionResponse(String id, String object, long created, String model, List<Choice> choices,
        Usage usage) {

    public ChatCompletionResponse(String id, long created, String model, List<Choice> choices, Usage usage) {
        this(id, "chat.completion", created, model, choices, usage);
    }

    /**
     * One choice.
     *
     * @param finishReason {@code stop} or {@code length}
     * @param stopReason vLLM's: the stop string that ended it, null for end-of-turn and length
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Choice(int index, Message message, ChatLogprobs logprobs, String finishReason, String stopReason) {
    }

    /** The assistant's message. */
    public record Message(String role, String content, String refusal) {

        public static Message assistant(String content) {
            return new Message("assistant", content, null);
        }
    }
}
