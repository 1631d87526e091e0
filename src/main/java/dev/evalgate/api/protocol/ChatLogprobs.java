package dev.evalgate.api.protocol;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** A chat choice's log-probabilities ({@code logprobs: true}): one entry per generated token, in order. */
public record ChatLogprobs(List<Token> content) {

    /**
     * One token.
     *
     * @param bytes the UTF-8 bytes of {@code token}
     * @param topLogprobs the most likely tokens at its position, as many as {@code top_logprobs} asked
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Token(String token, double logprob, List<Integer> bytes, List<Top> topLogprobs) {
    }

    /** One of the most likely tokens at a position. */
    public record Top(String token, double logprob, List<Integer> bytes) {
    }
}
