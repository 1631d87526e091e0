package dev.evalgate.api.protocol;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * One SSE event of a streamed chat completion, in vLLM's form. The gateway writes these by hand on the hot path
 * ({@code ChatCompletionChunks}); this record is the shape those bytes must equal, as Jackson renders it.
 *
 * @param usage only in the last chunk, when the client asked for it ({@code choices} is then empty)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ChatCompletionChunk(String id, String object, long created, String model, List<Choice> choices,
        @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {

    public ChatCompletionChunk(String id, long created, String model, List<Choice> choices, Usage usage) {
        this(id, "chat.completion.chunk", created, model, choices, usage);
    }

    /**
     * A choice's part of a chunk.
     *
     * @param stopReason absent until the choice's last chunk, where it is the stop string or null: hence an
     *        {@link Optional} that is null (left out) or present-or-empty (written, possibly as null)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Choice(int index, Delta delta, ChatLogprobs logprobs, String finishReason,
            @JsonInclude(JsonInclude.Include.NON_NULL) Optional<String> stopReason) {
    }

    /** What a chunk adds to the message: the role in the first, content after. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content) {
    }
}
